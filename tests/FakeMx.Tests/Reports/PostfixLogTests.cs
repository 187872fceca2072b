using FakeMx.Reports;

namespace FakeMx.Tests.Reports;

public sealed class PostfixLogTests
{
    private static readonly DateTimeOffset Reference = new(2025, 3, 10, 12, 0, 0, TimeSpan.Zero);

    private static PostfixLog Read(DateTimeOffset reference, params string[] lines)
    {
        var log = new PostfixLog(reference, TimeZoneInfo.Utc);
        foreach (var line in lines)
        {
            log.Add(line);
        }

        return log;
    }

    [Fact]
    public void Syslog_lines_join_into_one_message_by_queue_id()
    {
        var log = Read(Reference,
            "Mar 10 09:15:02 mx1 postfix/smtpd[811]: connect from mail.legit.example[192.0.2.25]",
            "Mar 10 09:15:03 mx1 postfix/smtpd[811]: 4F1A2B3C4D: client=mail.legit.example[192.0.2.25]",
            "Mar 10 09:15:03 mx1 postfix/cleanup[812]: 4F1A2B3C4D: message-id=<abc@legit.example>",
            "Mar 10 09:15:03 mx1 postfix/qmgr[700]: 4F1A2B3C4D: from=<Alice@Legit.example>, size=1234, nrcpt=2 " +
                "(queue active)",
            "Mar 10 09:15:04 mx1 postfix/lmtp[813]: 4F1A2B3C4D: to=<bob@example.org>, " +
                "relay=store[private/dovecot-lmtp], " +
                "delay=1.2, delays=0.1/0/0/1.1, dsn=2.0.0, status=sent (250 2.0.0 Saved)",
            "Mar 10 09:15:04 mx1 postfix/local[814]: 4F1A2B3C4D: to=<root@mx1.example.org>, " +
                "orig_to=<postmaster@example.org>, " +
                "relay=local, delay=1.3, delays=0.1/0/0/1.2, dsn=2.0.0, status=sent (delivered to mailbox)",
            "Mar 10 09:15:04 mx1 postfix/qmgr[700]: 4F1A2B3C4D: removed");

        var message = Assert.Single(log.Messages);
        Assert.Equal("4F1A2B3C4D", message.QueueId);
        Assert.Equal(new DateTimeOffset(2025, 3, 10, 9, 15, 3, TimeSpan.Zero), message.AcceptedAt);
        Assert.Equal("192.0.2.25", message.ClientAddress);
        Assert.Equal("<abc@legit.example>", message.MessageId);
        Assert.Equal("Alice@Legit.example", message.From);
        Assert.Equal(2, message.Recipients.Count);
        Assert.Contains(message.Recipients, r => r is { To: "bob@example.org", Status: "sent", OriginalTo: null });
        Assert.Contains(message.Recipients, r => r is { OriginalTo: "postmaster@example.org", Status: "sent" });
        Assert.Equal(0, log.Unparsable);
    }

    [Fact]
    public void Maillog_file_and_rfc3339_stamps_keep_their_fractions_and_offsets()
    {
        var log = Read(Reference,
            "2025-03-10T09:15:03.123456+01:00 mx1 postfix/smtpd[811]: 4F1A2B3C4D: client=unknown[2001:db8::25]",
            "2025-03-10T09:15:03.200000+01:00 mx1 postfix/qmgr[700]: 4F1A2B3C4D: from=<>, size=10, " +
                "nrcpt=1 (queue active)",
            "Mar 10 09:15:04.5 mx1 postfix/virtual[9]: 4F1A2B3C4D: to=<bob@example.org>, relay=virtual, delay=1, " +
                "delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to maildir)");

        var message = Assert.Single(log.Messages);
        Assert.Equal(new DateTimeOffset(2025, 3, 10, 8, 15, 3, 123, TimeSpan.Zero).AddTicks(4560), message.AcceptedAt);
        Assert.Equal("2001:db8::25", message.ClientAddress);
        Assert.Equal(string.Empty, message.From);
        Assert.Equal(new DateTimeOffset(2025, 3, 10, 9, 15, 4, 500, TimeSpan.Zero), message.Recipients[0].At);
    }

    [Fact]
    public void A_december_stamp_read_in_january_belongs_to_the_previous_year()
    {
        var january = new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero);

        var log = Read(january,
            "Dec 31 23:59:58 mx1 postfix/smtpd[1]: 0A0B0C0D0E: client=a[192.0.2.1]",
            "Jan  1 00:00:01 mx1 postfix/smtpd[1]: 1A0B0C0D0E: client=a[192.0.2.1]");

        Assert.Equal(new DateTimeOffset(2025, 12, 31, 23, 59, 58, TimeSpan.Zero), log.First);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero), log.Last);
    }

    [Fact]
    public void A_february_29_stamp_finds_the_leap_year()
    {
        var log = Read(new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero),
            "Feb 29 10:00:00 mx1 postfix/smtpd[1]: 0A0B0C0D0E: client=a[192.0.2.1]");

        Assert.Equal(new DateTimeOffset(2024, 2, 29, 10, 0, 0, TimeSpan.Zero), log.First);
    }

    [Fact]
    public void Garbage_and_other_programs_are_counted_never_fatal()
    {
        var log = Read(Reference,
            "",
            "this is not a log line",
            "Mar 10 09:15:02",
            "\u0000\u0001binary\xff",
            "Foo 10 09:15:02 mx1 postfix/smtpd[1]: 0A0B0C0D0E: client=a[192.0.2.1]",
            "Mar 10 25:15:02 mx1 postfix/smtpd[1]: 0A0B0C0D0E: client=a[192.0.2.1]",
            "Mar 10 09:15:02 mx1 dovecot[77]: imap-login: Login: user=<bob>",
            "Mar 10 09:15:02 mx1 CRON[5]: (root) CMD (true)",
            "Mar 10 09:15:02 mx1 postfix/smtpd[1]: warning: hostname a does not resolve to address 192.0.2.1",
            "Mar 10 09:15:03 mx1 postfix/qmgr[1]: 0A0B0C0D0E: from=<a@b>, size=1, nrcpt=1 (queue active)",
            "Mar 10 09:15:03 mx1 postfix/qmgr[1]: 0A0B0C0D0E: from=<a@b, size=1, nrcpt=1 (queue active)");

        Assert.Equal(11, log.Lines);
        Assert.Equal(6, log.Unparsable);
        Assert.Equal(2, log.OtherPrograms);
        Assert.Equal(5, log.UnparsableSamples.Count);
        Assert.Equal("a@b", Assert.Single(log.Messages).From);
    }

    [Fact]
    public void Refused_recipients_are_read_with_and_without_a_queue_id()
    {
        var log = Read(Reference,
            "Mar 10 09:15:02 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from bot.example[198.51.100.7]: 554 5.7.1 " +
                "Service unavailable; Client host [198.51.100.7] blocked; from=<x@spam.example> to=<bob@example.org> " +
                "proto=ESMTP helo=<bot>",
            "Mar 10 09:15:05 mx1 postfix/smtpd[1]: 0A0B0C0D0E: reject: RCPT from a[192.0.2.1]:2525: 550 5.1.1 " +
                "<nobody@example.org>: Recipient address rejected; from=<a@b> to=<nobody@example.org> " +
                "proto=ESMTP helo=<a>");

        Assert.Equal(2, log.Rejections.Count);
        Assert.Equal(new PostfixRejection(new DateTimeOffset(2025, 3, 10, 9, 15, 2, TimeSpan.Zero), "198.51.100.7",
            "x@spam.example", "bob@example.org"), log.Rejections[0]);
        Assert.Equal("nobody@example.org", log.Rejections[1].To);
    }

    [Fact]
    public void A_reused_queue_id_starts_a_new_message()
    {
        var log = Read(Reference,
            "Mar 10 09:00:00 mx1 postfix/smtpd[1]: 0A0B0C0D0E: client=a[192.0.2.1]",
            "Mar 10 09:00:01 mx1 postfix/qmgr[1]: 0A0B0C0D0E: from=<first@a>, size=1, nrcpt=1 (queue active)",
            "Mar 10 10:00:00 mx1 postfix/smtpd[1]: 0A0B0C0D0E: client=b[192.0.2.2]",
            "Mar 10 10:00:01 mx1 postfix/qmgr[1]: 0A0B0C0D0E: from=<second@b>, size=1, nrcpt=1 (queue active)");

        Assert.Equal(["first@a", "second@b"], log.Messages.Select(m => m.From));
    }

    [Fact]
    public void Long_queue_ids_and_instance_names_are_understood()
    {
        var log = Read(Reference,
            "Mar 10 09:00:00 mx1 postfix-in/smtpd[1]: 4Lh2Rc0qZ4z9vP8: client=a[192.0.2.1]",
            "Mar 10 09:00:01 mx1 postfix-in/qmgr[1]: 4Lh2Rc0qZ4z9vP8: from=<a@b>, size=1, nrcpt=1 (queue active)");

        Assert.Equal("4Lh2Rc0qZ4z9vP8", Assert.Single(log.Messages).QueueId);
    }
}
