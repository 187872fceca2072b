using System.Text;
using System.Text.Unicode;

namespace FakeMx.Smtp;

/// <summary>A command line split into its verb and the rest; a view over the line's bytes.</summary>
public readonly ref struct SmtpCommand
{
    public SmtpCommand(SmtpVerb verb, ReadOnlySpan<byte> argument)
    {
        Verb = verb;
        Argument = argument;
    }

    public SmtpVerb Verb { get; }

    /// <summary>Everything after the verb and its separating spaces, trailing spaces removed.</summary>
    public ReadOnlySpan<byte> Argument { get; }
}

/// <summary>
/// Turns a command line into a verb and its argument, and the argument of MAIL and RCPT into a
/// path and its parameters. Works on the line's bytes and allocates nothing.
/// </summary>
public static class SmtpCommandParser
{
    public static SmtpCommand Parse(ReadOnlySpan<byte> line)
    {
        var space = line.IndexOf((byte)' ');
        var verb = space < 0 ? line : line[..space];
        var argument = space < 0 ? [] : line[(space + 1)..].Trim((byte)' ');
        return new SmtpCommand(ToVerb(verb), argument);
    }

    /// <summary>
    /// Splits <c>FROM:&lt;path&gt; params</c> (or <c>TO:</c>) into the address inside the
    /// angle brackets and the parameter text. Like Postfix's default, a space after the colon
    /// and a path without angle brackets are tolerated: the goal is to record what bots send.
    /// A source route (<c>&lt;@a,@b:user@c&gt;</c>) is accepted and dropped (RFC 5321 §4.1.2).
    /// </summary>
    public static bool TryParsePath(
        ReadOnlySpan<byte> argument,
        ReadOnlySpan<byte> keyword,
        out ReadOnlySpan<byte> address,
        out ReadOnlySpan<byte> parameters)
    {
        address = default;
        parameters = default;

        if (argument.Length < keyword.Length || !Ascii.EqualsIgnoreCase(argument[..keyword.Length], keyword))
        {
            return false;
        }

        var rest = argument[keyword.Length..].TrimStart((byte)' ');
        if (rest.IsEmpty)
        {
            return false;
        }

        if (rest[0] == (byte)'<')
        {
            var close = IndexOfClosingBracket(rest);
            if (close < 0)
            {
                return false;
            }

            address = rest[1..close];
            parameters = rest[(close + 1)..];
            if (!parameters.IsEmpty && parameters[0] != (byte)' ')
            {
                return false;
            }
        }
        else
        {
            var space = rest.IndexOf((byte)' ');
            address = space < 0 ? rest : rest[..space];
            parameters = space < 0 ? [] : rest[space..];
        }

        parameters = parameters.Trim((byte)' ');
        if (!address.IsEmpty && address[0] == (byte)'@')
        {
            var colon = address.IndexOf((byte)':');
            if (colon < 0)
            {
                return false;
            }

            address = address[(colon + 1)..];
        }

        return true;
    }

    /// <summary>
    /// Whether <paramref name="address"/> is a mailbox, <c>local@domain</c>: a dot-atom or
    /// quoted local part of at most 64 octets, and a domain name or address literal. UTF-8
    /// is allowed in both parts (RFC 6531), so SMTPUTF8 addresses pass.
    /// </summary>
    public static bool IsValidMailbox(ReadOnlySpan<byte> address)
    {
        if (address.IsEmpty || address.Length > 254 || !Utf8.IsValid(address))
        {
            return false;
        }

        var at = address.LastIndexOf((byte)'@');
        if (at <= 0 || at == address.Length - 1)
        {
            return false;
        }

        var local = address[..at];
        var domain = address[(at + 1)..];
        return local.Length <= 64 && IsValidLocalPart(local) && IsValidDomain(domain);
    }

    private static bool IsValidLocalPart(ReadOnlySpan<byte> local)
    {
        if (local[0] == (byte)'"')
        {
            if (local.Length < 2 || local[^1] != (byte)'"')
            {
                return false;
            }

            foreach (var b in local[1..^1])
            {
                if (b < 0x20 || b == 0x7F)
                {
                    return false;
                }
            }

            return true;
        }

        foreach (var b in local)
        {
            if (b <= 0x20 || b == 0x7F || "<>()[]\\,;:@\""u8.Contains(b))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsValidDomain(ReadOnlySpan<byte> domain)
    {
        if (domain[0] == (byte)'[')
        {
            return domain.Length > 2 && domain[^1] == (byte)']' && !domain[1..^1].ContainsAny("[] "u8)
                && !ContainsControl(domain);
        }

        if (domain.Length > 255 || domain[0] == (byte)'.' || domain[^1] == (byte)'.')
        {
            return false;
        }

        var previous = (byte)'.';
        foreach (var b in domain)
        {
            var isLabelChar = b >= 0x80 || b == (byte)'-' || b == (byte)'_' || char.IsAsciiLetterOrDigit((char)b);
            if (b == (byte)'.' ? previous == (byte)'.' : !isLabelChar)
            {
                return false;
            }

            previous = b;
        }

        return true;
    }

    private static bool ContainsControl(ReadOnlySpan<byte> text)
    {
        foreach (var b in text)
        {
            if (b < 0x20 || b == 0x7F)
            {
                return true;
            }
        }

        return false;
    }

    private static int IndexOfClosingBracket(ReadOnlySpan<byte> path)
    {
        var quoted = false;
        for (var i = 1; i < path.Length; i++)
        {
            switch (path[i])
            {
                case (byte)'"':
                    quoted = !quoted;
                    break;
                case (byte)'\\' when quoted:
                    i++;
                    break;
                case (byte)'>' when !quoted:
                    return i;
            }
        }

        return -1;
    }

    private static SmtpVerb ToVerb(ReadOnlySpan<byte> verb)
    {
        if (verb.Length == 4)
        {
            // Fold ASCII letters to upper case in one step; anything else cannot match.
            var word = (uint)(verb[0] | verb[1] << 8 | verb[2] << 16 | verb[3] << 24) & 0xDFDFDFDFu;
            return word switch
            {
                0x4F4C4548 => SmtpVerb.Helo, // HELO
                0x4F4C4845 => SmtpVerb.Ehlo, // EHLO
                0x4C49414D => SmtpVerb.Mail, // MAIL
                0x54504352 => SmtpVerb.Rcpt, // RCPT
                0x41544144 => SmtpVerb.Data, // DATA
                0x54455352 => SmtpVerb.Rset, // RSET
                0x504F4F4E => SmtpVerb.Noop, // NOOP
                0x54495551 => SmtpVerb.Quit, // QUIT
                0x59465256 => SmtpVerb.Vrfy, // VRFY
                0x504C4548 => SmtpVerb.Help, // HELP
                0x48545541 or 0x54414442 or 0x4E505845 or 0x4E525445 or 0x4E525554 or 0x4E525441
                    or 0x444E4553 or 0x4C4D4F53 or 0x4C4D4153 => SmtpVerb.NotImplemented,
                _ => SmtpVerb.Unknown,
            };
        }

        if (Ascii.EqualsIgnoreCase(verb, "STARTTLS"u8))
        {
            return SmtpVerb.StartTls;
        }

        return Ascii.EqualsIgnoreCase(verb, "XCLIENT"u8) || Ascii.EqualsIgnoreCase(verb, "XFORWARD"u8)
            ? SmtpVerb.NotImplemented
            : SmtpVerb.Unknown;
    }
}
