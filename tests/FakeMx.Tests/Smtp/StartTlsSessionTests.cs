using System.Text;
using FakeMx.Smtp;

namespace FakeMx.Tests.Smtp;

/// <summary>STARTTLS in the pure session: sequencing, syntax and the RFC 3207 reset.</summary>
public sealed class StartTlsSessionTests
{
    private static readonly SmtpReplies Replies = new("mx.test", "try later", 10_240_000);

    private static SmtpSession Session(bool offer = true)
    {
        var session = new SmtpSession(new SmtpOptions(), Replies, offer);
        session.Start();
        return session;
    }

    private static SmtpReply Say(SmtpSession session, string line) => session.Process(Encoding.ASCII.GetBytes(line));

    [Fact]
    public void Ehlo_advertises_starttls_only_when_a_certificate_is_configured()
    {
        Assert.Contains("250-STARTTLS", Wire(Say(Session(offer: true), "EHLO client.test")));
        Assert.DoesNotContain("STARTTLS", Wire(Say(Session(offer: false), "EHLO client.test")));
    }

    [Fact]
    public void Starttls_without_a_certificate_is_not_implemented()
    {
        var session = Session(offer: false);
        Say(session, "EHLO client.test");
        Assert.Equal(502, Say(session, "STARTTLS").Code);
        Assert.False(session.IsAwaitingTls);
    }

    [Fact]
    public void Starttls_before_ehlo_is_a_bad_sequence()
    {
        var session = Session();
        var reply = Say(session, "STARTTLS");
        Assert.Equal(503, reply.Code);
        Assert.False(session.IsAwaitingTls);
    }

    [Fact]
    public void Starttls_with_an_argument_is_a_syntax_error()
    {
        var session = Session();
        Say(session, "EHLO client.test");
        Assert.Equal(501, Say(session, "STARTTLS now").Code);
        Assert.False(session.IsAwaitingTls);
    }

    [Fact]
    public void Starttls_inside_a_mail_transaction_is_refused()
    {
        var session = Session();
        Say(session, "EHLO client.test");
        Say(session, "MAIL FROM:<a@example.org>");
        Assert.Equal(503, Say(session, "STARTTLS").Code);
    }

    [Fact]
    public void After_starttls_no_command_is_read_until_tls_is_up()
    {
        var session = Session();
        Say(session, "EHLO client.test");
        var ready = Say(session, "STARTTLS");

        Assert.Equal(220, ready.Code);
        Assert.Equal("2.0.0 Ready to start TLS", ready.Text);
        Assert.True(session.IsAwaitingTls);

        // The injection RFC 3207 §4.2 warns of: a pipelined command must never be processed.
        Assert.Throws<InvalidOperationException>(() => Say(session, "MAIL FROM:<evil@example.org>"));
        Assert.Null(session.Record.Sender);
    }

    [Fact]
    public void After_tls_the_client_must_say_ehlo_again_and_starttls_is_no_longer_offered()
    {
        var session = Session();
        Say(session, "EHLO client.test");
        Say(session, "STARTTLS");
        session.TlsStarted();

        Assert.Equal(StartTlsOffer.Active, session.StartTls);
        Assert.Equal(503, Say(session, "MAIL FROM:<a@example.org>").Code);

        var ehlo = Say(session, "EHLO client.test");
        Assert.Equal(250, ehlo.Code);
        Assert.DoesNotContain("STARTTLS", Wire(ehlo));
        Assert.Equal(503, Say(session, "STARTTLS").Code);
    }

    [Fact]
    public void The_same_deferral_follows_tls()
    {
        var session = Session();
        Say(session, "EHLO client.test");
        Say(session, "STARTTLS");
        session.TlsStarted();
        Say(session, "EHLO client.test");
        Assert.Equal(250, Say(session, "MAIL FROM:<a@example.org>").Code);
        Assert.Equal(250, Say(session, "RCPT TO:<b@example.test>").Code);
        Assert.Equal(451, Say(session, "DATA").Code);
    }

    [Fact]
    public void Tls_cannot_start_without_starttls()
    {
        var session = Session();
        Say(session, "EHLO client.test");
        Assert.Throws<InvalidOperationException>(session.TlsStarted);
    }

    private static string Wire(SmtpReply reply) => Encoding.ASCII.GetString(reply.Wire.Span);
}
