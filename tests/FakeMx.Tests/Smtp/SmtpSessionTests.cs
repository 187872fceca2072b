using FakeMx.Smtp;

namespace FakeMx.Tests.Smtp;

public sealed class SmtpSessionTests
{
    [Fact]
    public void The_banner_is_220_with_the_hostname_and_ESMTP()
    {
        var script = new SessionScript();

        Assert.Equal("220 mx.test ESMTP", SessionScript.WireText(script.Greeting));
        Assert.False(script.Session.IsClosed);
    }

    [Fact]
    public void EHLO_advertises_exactly_the_extensions_FakeMX_honours()
    {
        var script = new SessionScript();

        var reply = SessionScript.WireText(script.Send("EHLO client.example"));

        Assert.Equal(
            "250-mx.test\n250-PIPELINING\n250-SIZE 10240000\n250-8BITMIME\n250-ENHANCEDSTATUSCODES\n250 SMTPUTF8",
            reply);
    }

    [Fact]
    public void HELO_is_answered_250_with_the_hostname()
    {
        Assert.Equal("250 mx.test", SessionScript.WireText(new SessionScript().Send("HELO client.example")));
    }

    [Fact]
    public void The_default_stage_defers_the_DATA_command_after_recording_the_whole_envelope()
    {
        var script = new SessionScript();

        var codes = script.Codes("EHLO bot.example", "MAIL FROM:<spam@bad.example>", "RCPT TO:<a@victim.example>",
            "RCPT TO:<b@victim.example>", "DATA", "QUIT");

        Assert.Equal([250, 250, 250, 250, 451, 221], codes);
        var record = script.Session.Record;
        Assert.Equal("bot.example", record.Helo);
        Assert.Equal("spam@bad.example", record.Sender);
        Assert.Equal(["a@victim.example", "b@victim.example"], record.Recipients);
        Assert.Equal(SessionStage.Data, record.Stage);
        Assert.Equal(451, record.Reply!.Code);
        Assert.True(record.Deferred);
        Assert.Equal(SessionEnd.Quit, record.End);
        Assert.True(script.Session.IsClosed);
    }

    [Fact]
    public void The_deferral_reply_is_451_4_7_1_with_the_configured_text()
    {
        var script = new SessionScript(new SmtpOptions { Hostname = "mx.test", ReplyText = "Come back later" });

        script.Codes("HELO x", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>");

        Assert.Equal("451 4.7.1 Come back later", SessionScript.WireText(script.Send("DATA")));
    }

    [Fact]
    public void Deferring_at_rcpt_answers_every_RCPT_with_451_and_still_records_each_recipient()
    {
        var script = SessionScript.DeferringAt(DeferStage.Rcpt);

        var codes = script.Codes("EHLO x", "MAIL FROM:<a@b.example>", "RCPT TO:<one@d.example>",
            "RCPT TO:<two@d.example>", "DATA", "QUIT");

        Assert.Equal([250, 250, 451, 451, 451, 221], codes);
        Assert.Equal(2, script.Session.Record.RecipientCount);
        Assert.Equal(SessionStage.Data, script.Session.Record.Stage);
    }

    [Fact]
    public void Deferring_at_mail_answers_MAIL_with_451_and_later_transaction_commands_stay_deferred()
    {
        var script = SessionScript.DeferringAt(DeferStage.Mail);

        var codes = script.Codes("EHLO x", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>", "DATA",
            "RSET", "MAIL FROM:<other@b.example>", "NOOP", "QUIT");

        Assert.Equal([250, 451, 451, 451, 250, 451, 250, 221], codes);
        Assert.Equal("other@b.example", script.Session.Record.Sender);
    }

    [Theory]
    [InlineData("HELO x")]
    [InlineData("EHLO x")]
    public void Deferring_at_helo_answers_421_and_closes(string hello)
    {
        var script = SessionScript.DeferringAt(DeferStage.Helo);

        var reply = script.Send(hello);

        Assert.Equal(421, reply.Code);
        Assert.StartsWith("421 4.7.0 mx.test ", SessionScript.WireText(reply));
        Assert.True(reply.ClosesSession);
        Assert.True(script.Session.IsClosed);
        Assert.Equal("x", script.Session.Record.Helo);
        Assert.Equal(SessionEnd.Deferred, script.Session.Record.End);
    }

    [Fact]
    public void Deferring_at_connect_greets_with_421_4_7_0_and_closes()
    {
        var script = SessionScript.DeferringAt(DeferStage.Connect);

        Assert.StartsWith("421 4.7.0 mx.test ", SessionScript.WireText(script.Greeting));
        Assert.True(script.Session.IsClosed);
        Assert.True(script.Session.Record.Deferred);
    }

    [Fact]
    public void Once_deferred_at_data_a_new_transaction_is_deferred_again()
    {
        var script = new SessionScript();

        var codes = script.Codes("EHLO x", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>", "DATA",
            "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>", "DATA", "EHLO again", "MAIL FROM:<>");

        Assert.Equal([250, 250, 250, 451, 451, 451, 451, 250, 451], codes);
    }

    [Theory]
    [InlineData(DeferStage.Helo)]
    [InlineData(DeferStage.Mail)]
    [InlineData(DeferStage.Rcpt)]
    [InlineData(DeferStage.Data)]
    public void No_stage_ever_answers_354_or_accepts_a_message(DeferStage stage)
    {
        // Every command in every order a client might try, message text included.
        string[] commands =
        [
            "EHLO x", "HELO x", "MAIL FROM:<a@b.example>", "MAIL FROM:<>", "RCPT TO:<c@d.example>",
            "RCPT TO:<postmaster>", "DATA", "Subject: hi", "", ".", "BDAT 10 LAST", "RSET", "NOOP",
        ];
        var random = new Random(20261203 + (int)stage);

        for (var round = 0; round < 500; round++)
        {
            var script = new SessionScript(new SmtpOptions { Hostname = "mx.test", DeferAt = stage, MaxErrors = 1000 });
            var sawData = false;
            for (var i = 0; i < 40 && !script.Session.IsClosed; i++)
            {
                var command = commands[random.Next(commands.Length)];
                var reply = script.Send(command);

                Assert.NotEqual(354, reply.Code);
                if (sawData)
                {
                    Assert.False(reply.Code == 250 && command == ".", "a 250 after end of data");
                }

                sawData |= command == "DATA";
            }
        }
    }

    [Theory]
    [InlineData("MAIL FROM:<a@b.example>", "503 5.5.1 Error: send HELO/EHLO first")]
    [InlineData("RCPT TO:<a@b.example>", "503 5.5.1 Error: send HELO/EHLO first")]
    [InlineData("DATA", "503 5.5.1 Error: send HELO/EHLO first")]
    public void Transaction_commands_before_HELO_are_out_of_sequence(string command, string expected)
    {
        Assert.Equal(expected, SessionScript.WireText(new SessionScript().Send(command)));
    }

    [Fact]
    public void RCPT_before_MAIL_and_DATA_before_RCPT_get_503_5_5_1()
    {
        var script = new SessionScript();
        script.Send("EHLO x");

        Assert.Equal("503 5.5.1 Error: need MAIL command", Wire(script.Send("RCPT TO:<a@b.example>")));
        Assert.Equal("503 5.5.1 Error: need MAIL command", SessionScript.WireText(script.Send("DATA")));
        script.Send("MAIL FROM:<a@b.example>");
        Assert.Equal("503 5.5.1 Error: need RCPT command", SessionScript.WireText(script.Send("DATA")));
        Assert.Equal("503 5.5.1 Error: nested MAIL command", Wire(script.Send("MAIL FROM:<x@y.example>")));
    }

    [Theory]
    [InlineData("FOO bar", "500 5.5.2 Error: command not recognized")]
    [InlineData("", "500 5.5.2 Error: command not recognized")]
    [InlineData("MAILFROM:<a@b>", "500 5.5.2 Error: command not recognized")]
    [InlineData("GET / HTTP/1.1", "500 5.5.2 Error: command not recognized")]
    [InlineData("AUTH LOGIN", "502 5.5.1 Error: command not implemented")]
    [InlineData("BDAT 100 LAST", "502 5.5.1 Error: command not implemented")]
    [InlineData("EXPN staff", "502 5.5.1 Error: command not implemented")]
    [InlineData("STARTTLS", "502 5.5.1 Error: command not implemented")]
    [InlineData("VRFY postmaster", "252 2.5.0 Cannot VRFY user")]
    [InlineData("VRFY", "501 5.5.4 Syntax: VRFY address")]
    [InlineData("NOOP", "250 2.0.0 Ok")]
    [InlineData("noop anything at all", "250 2.0.0 Ok")]
    [InlineData("RSET", "250 2.0.0 Ok")]
    [InlineData("RSET now", "501 5.5.4 Syntax: no arguments allowed")]
    [InlineData("HELO", "501 5.5.4 Syntax: HELO hostname")]
    [InlineData("EHLO", "501 5.5.4 Syntax: EHLO hostname")]
    [InlineData("QUIT", "221 2.0.0 mx.test closing connection")]
    public void Each_command_gets_its_reply(string command, string expected)
    {
        Assert.Equal(expected, SessionScript.WireText(new SessionScript().Send(command)));
    }

    [Fact]
    public void HELP_lists_the_commands_in_a_214_reply()
    {
        var reply = new SessionScript().Send("HELP");

        Assert.Equal(214, reply.Code);
        Assert.Contains("EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP", SessionScript.WireText(reply));
    }

    [Fact]
    public void Verbs_are_case_insensitive()
    {
        var script = new SessionScript();

        Assert.Equal([250, 250, 250, 451, 221],
            script.Codes("eHlO x", "mail from:<a@b.example>", "Rcpt To:<c@d.example>", "data", "quit"));
    }

    [Theory]
    [InlineData("MAIL FROM:<a@b.example>", 250)]
    [InlineData("MAIL FROM:<>", 250)]
    [InlineData("MAIL FROM: <a@b.example>", 250)]
    [InlineData("MAIL FROM:a@b.example", 250)]
    [InlineData("MAIL FROM:<@relay.example:a@b.example>", 250)]
    [InlineData("MAIL FROM:<\"john doe\"@b.example>", 250)]
    [InlineData("MAIL FROM:<a@[192.0.2.1]>", 250)]
    [InlineData("MAIL FROM:<a@b.example> SIZE=1000 BODY=8BITMIME SMTPUTF8", 250)]
    [InlineData("MAIL FROM:<пользователь@пример.рф> SMTPUTF8", 250)]
    [InlineData("MAIL FROM:<用户@例子.广告>", 250)]
    [InlineData("MAIL FROM:", 501)]
    [InlineData("MAIL", 501)]
    [InlineData("MAIL TO:<a@b.example>", 501)]
    [InlineData("MAIL FROM:<a@b.example", 501)]
    [InlineData("MAIL FROM:<no-at-sign>", 501)]
    [InlineData("MAIL FROM:<a@>", 501)]
    [InlineData("MAIL FROM:<@b.example>", 501)]
    [InlineData("MAIL FROM:<a b@c.example>", 501)]
    [InlineData("MAIL FROM:<a@b..example>", 501)]
    [InlineData("MAIL FROM:<a@b.example>junk", 501)]
    [InlineData("MAIL FROM:<a@b.example> SIZE=abc", 501)]
    [InlineData("MAIL FROM:<a@b.example> SIZE=99999999999", 552)]
    [InlineData("MAIL FROM:<a@b.example> BODY=BINARYMIME", 555)]
    [InlineData("MAIL FROM:<a@b.example> AUTH=<>", 555)]
    [InlineData("MAIL FROM:<a@b.example> RET=HDRS", 555)]
    public void MAIL_accepts_what_real_clients_send_and_refuses_bad_arguments(string command, int expected)
    {
        var script = new SessionScript();
        script.Send("EHLO x");

        var reply = script.Send(command);

        Assert.Equal(expected, reply.Code);
        if (expected == 501)
        {
            Assert.Contains("5.5.4", reply.Text);
        }
    }

    [Theory]
    [InlineData("RCPT TO:<c@d.example>", 250)]
    [InlineData("RCPT TO:<Postmaster>", 250)]
    [InlineData("RCPT TO:<c@d.example> NOTIFY=NEVER", 555)]
    [InlineData("RCPT TO:<>", 501)]
    [InlineData("RCPT TO:", 501)]
    [InlineData("RCPT FROM:<c@d.example>", 501)]
    [InlineData("RCPT TO:<c@d.example\u0000>", 501)]
    public void RCPT_checks_its_argument(string command, int expected)
    {
        var script = new SessionScript();
        script.Codes("EHLO x", "MAIL FROM:<a@b.example>");

        Assert.Equal(expected, script.Send(command).Code);
    }

    [Fact]
    public void The_101st_recipient_gets_452_4_5_3()
    {
        var script = new SessionScript(new SmtpOptions { Hostname = "mx.test", MaxErrors = 100 });
        script.Codes("EHLO x", "MAIL FROM:<a@b.example>");

        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(250, script.Send($"RCPT TO:<user{i}@d.example>").Code);
        }

        Assert.Equal("452 4.5.3 Error: too many recipients", Wire(script.Send("RCPT TO:<x@d.example>")));
        Assert.Equal(100, script.Session.Record.RecipientCount);
        Assert.Equal(451, script.Send("DATA").Code);
    }

    [Fact]
    public void The_recipient_limit_is_configurable_and_resets_with_the_transaction()
    {
        var script = new SessionScript(new SmtpOptions { Hostname = "mx.test", MaxRecipients = 2 });
        script.Codes("EHLO x", "MAIL FROM:<a@b.example>");

        Assert.Equal([250, 250, 452],
            script.Codes("RCPT TO:<1@d.example>", "RCPT TO:<2@d.example>", "RCPT TO:<3@d.example>"));
        Assert.Equal([250, 250, 250], script.Codes("RSET", "MAIL FROM:<a@b.example>", "RCPT TO:<4@d.example>"));
    }

    [Fact]
    public void The_recorded_recipient_list_is_capped_but_the_count_is_true()
    {
        var script = new SessionScript(
            new SmtpOptions { Hostname = "mx.test", MaxRecipients = 1000, MaxCommands = 1000 });
        script.Codes("EHLO x", "MAIL FROM:<a@b.example>");

        for (var i = 0; i < 150; i++)
        {
            script.Send($"RCPT TO:<user{i}@d.example>");
        }

        Assert.Equal(SessionRecord.MaxRecordedRecipients, script.Session.Record.Recipients.Count);
        Assert.Equal(150, script.Session.Record.RecipientCount);
    }

    [Fact]
    public void The_eleventh_error_ends_the_session_with_its_own_421()
    {
        var script = new SessionScript();
        var codes = script.Codes(Enumerable.Repeat("BOGUS", 12).ToArray());

        Assert.Equal(Enumerable.Repeat(500, 10).Append(421), codes);
        Assert.Equal("421 4.7.0 mx.test Error: too many errors", SessionScript.WireText(script.Session.Record.Reply!));
        Assert.Equal(SessionEnd.ErrorLimit, script.Session.Record.End);
        Assert.True(script.Session.IsClosed);
    }

    [Fact]
    public void The_deferral_itself_is_not_counted_as_an_error()
    {
        var script = new SessionScript(new SmtpOptions { Hostname = "mx.test", MaxErrors = 1 });
        script.Codes("EHLO x", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>");

        Assert.Equal([451, 451, 451, 250], script.Codes("DATA", "DATA", "DATA", "NOOP"));
        Assert.Equal(0, script.Session.Record.Errors);
    }

    [Fact]
    public void The_command_limit_ends_the_session_with_its_own_421()
    {
        var script = new SessionScript(new SmtpOptions { Hostname = "mx.test", MaxCommands = 3 });

        var codes = script.Codes("NOOP", "NOOP", "NOOP", "NOOP", "NOOP");

        Assert.Equal([250, 250, 250, 421], codes);
        Assert.Equal("421 4.7.0 mx.test Error: too many commands", Wire(script.Session.Record.Reply!));
        Assert.Equal(SessionEnd.CommandLimit, script.Session.Record.End);
    }

    [Theory]
    [InlineData(SessionEnd.IdleTimeout, "421 4.4.2 mx.test Error: timeout exceeded")]
    [InlineData(SessionEnd.SessionTimeout, "421 4.4.2 mx.test Error: session time limit exceeded")]
    [InlineData(SessionEnd.Shutdown, "421 4.3.2 mx.test Service shutting down, try again later")]
    public void Ending_from_outside_gives_the_limit_its_own_421(SessionEnd end, string expected)
    {
        var script = new SessionScript();
        script.Send("EHLO x");

        var reply = script.Session.Terminate(end);

        Assert.Equal(expected, SessionScript.WireText(reply!));
        Assert.Equal(end, script.Session.Record.End);
        Assert.Null(script.Session.Terminate(SessionEnd.Shutdown));
    }

    [Fact]
    public void A_line_that_was_too_long_gets_500_5_5_6_and_counts_as_an_error()
    {
        var script = new SessionScript();

        var reply = script.Session.LineTooLong();

        Assert.Equal("500 5.5.6 Error: line too long", SessionScript.WireText(reply));
        Assert.Equal(1, script.Session.Record.Errors);
    }

    [Fact]
    public void A_closed_session_refuses_more_input()
    {
        var script = new SessionScript();
        script.Send("QUIT");

        Assert.Throws<InvalidOperationException>(() => script.Send("NOOP"));
    }

    [Fact]
    public void Client_text_is_recorded_escaped_and_truncated()
    {
        var script = new SessionScript();

        script.Send("EHLO <script>\u0001\u001b[31m" + new string('a', 600));

        var helo = script.Session.Record.Helo!;
        Assert.StartsWith("<script>\\x01\\x1B[31maaa", helo);
        Assert.DoesNotContain('\u0001', helo);
        Assert.True(helo.Length <= ClientText.DefaultMaxLength + 3);
    }

    private static string Wire(SmtpReply reply) => SessionScript.WireText(reply);
}
