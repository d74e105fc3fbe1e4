using System.Globalization;

namespace Ledger.Migrations;

/// <summary>
/// Splits a MySQL script into the commands to send to the server, the way the <c>mysql</c>/<c>mariadb</c>
/// command-line client does, so that one <c>.sql</c> file runs unchanged both in that client and through the
/// migrator.
/// </summary>
/// <remarks>
/// <para>
/// Commands end at the current delimiter (<c>;</c> at first). A line whose first word is <c>DELIMITER</c>
/// (any case) changes the delimiter to the next word on that line, for example <c>DELIMITER $$</c> before a
/// procedure ending in <c>END$$</c> and <c>DELIMITER ;</c> after it; the <c>DELIMITER</c> line itself is not
/// sent. As in the client (with its default <c>--skip-comments</c>), the line is a command only between
/// statements: outside quotes and comments, with nothing but white space and comments pending. Inside an
/// unfinished statement it is statement text, which the server then rejects; end the statement first.
/// </para>
/// <para>
/// The delimiter is not looked for inside <c>'...'</c>, <c>"..."</c> (backslash escapes and doubled quotes
/// both work, as with the default SQL mode) or <c>`...`</c> quotes, nor in <c>-- </c> and <c>#</c> line
/// comments or <c>/* */</c> block comments. Commands are sent verbatim (comments included) with surrounding
/// white space trimmed; commands holding nothing but white space and comments are dropped, because the server
/// rejects them ("Query was empty"). Executable comments (<c>/*! */</c>, <c>/*M! */</c>) and optimizer hints
/// (<c>/*+ */</c>) do count as content.
/// </para>
/// <para>
/// Unlike the client, <c>DELIMITER</c> is only recognised at the start of a line, and the short client
/// commands (<c>\g</c>, <c>\G</c>, <c>\d</c>) are not supported: write the scripts with <c>DELIMITER</c>
/// on a line of its own.
/// </para>
/// </remarks>
internal static class MySqlScriptSplitter
{
    /// <summary>The delimiter a script starts with.</summary>
    internal const string DefaultDelimiter = ";";

    private const string DelimiterKeyword = "DELIMITER";

    /// <summary>Splits <paramref name="script"/> into the commands to send, in order.</summary>
    /// <exception cref="FormatException">A <c>DELIMITER</c> line has no delimiter or one containing a backslash.</exception>
    public static IReadOnlyList<string> Split(string script)
    {
        ArgumentNullException.ThrowIfNull(script);

        var commands = new List<string>();
        var delimiter = DefaultDelimiter;
        var commandStart = 0;
        var hasContent = false;
        var atLineStart = true;
        var i = 0;

        while (i < script.Length)
        {
            if (atLineStart)
            {
                atLineStart = false;
                if (!hasContent && TryReadDelimiterLine(script, i, out var newDelimiter, out var nextLine))
                {
                    // Only white space and comments are pending: drop them with the DELIMITER line.
                    delimiter = newDelimiter;
                    i = nextLine;
                    commandStart = nextLine;
                    atLineStart = true;
                    continue;
                }
            }

            // The client looks for the delimiter before it looks for the start of a quote or comment.
            if (string.CompareOrdinal(script, i, delimiter, 0, delimiter.Length) == 0)
            {
                AddCommand(commands, script, commandStart, i, hasContent);
                i += delimiter.Length;
                commandStart = i;
                hasContent = false;
                continue;
            }

            var c = script[i];
            switch (c)
            {
                case '\'' or '"' or '`':
                    i = SkipQuoted(script, i);
                    hasContent = true;
                    break;
                case '#':
                    i = EndOfLine(script, i);
                    break;
                case '-' when IsDashDashComment(script, i):
                    i = EndOfLine(script, i);
                    break;
                case '/' when i + 1 < script.Length && script[i + 1] == '*':
                    hasContent |= IsExecutableComment(script, i);
                    i = SkipBlockComment(script, i);
                    break;
                case '\n':
                    atLineStart = true;
                    i++;
                    break;
                default:
                    hasContent |= !char.IsWhiteSpace(c);
                    i++;
                    break;
            }
        }

        AddCommand(commands, script, commandStart, script.Length, hasContent);
        return commands;
    }

    private static void AddCommand(List<string> commands, string script, int start, int end, bool hasContent)
    {
        if (hasContent)
        {
            commands.Add(script[start..end].Trim());
        }
    }

    /// <summary>
    /// Reads a <c>DELIMITER xx</c> line starting at <paramref name="lineStart"/>, if that line is one.
    /// </summary>
    private static bool TryReadDelimiterLine(string script, int lineStart, out string delimiter, out int nextLine)
    {
        delimiter = string.Empty;
        nextLine = lineStart;

        var keyword = lineStart;
        while (keyword < script.Length && script[keyword] is ' ' or '\t')
        {
            keyword++;
        }

        var afterKeyword = keyword + DelimiterKeyword.Length;
        if (afterKeyword > script.Length
            || string.Compare(script, keyword, DelimiterKeyword, 0, DelimiterKeyword.Length, StringComparison.OrdinalIgnoreCase) != 0
            || (afterKeyword < script.Length && !char.IsWhiteSpace(script[afterKeyword])))
        {
            return false;
        }

        var lineEnd = EndOfLine(script, keyword);
        var argument = script[afterKeyword..lineEnd].Trim();
        delimiter = ReadFirstWord(argument);
        if (delimiter.Length == 0)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture,
                $"Line {LineNumber(script, lineStart)}: DELIMITER must be followed by a delimiter, for example 'DELIMITER $$'."));
        }

        if (delimiter.Contains('\\', StringComparison.Ordinal))
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture,
                $"Line {LineNumber(script, lineStart)}: a delimiter cannot contain a backslash."));
        }

        nextLine = lineEnd < script.Length ? lineEnd + 1 : lineEnd;
        return true;
    }

    /// <summary>The first word of a DELIMITER argument; as in the client, it may be quoted.</summary>
    private static string ReadFirstWord(string argument)
    {
        if (argument.Length > 0 && argument[0] is '\'' or '"' or '`')
        {
            var close = argument.IndexOf(argument[0], 1);
            return close < 0 ? argument[1..] : argument[1..close];
        }

        var end = 0;
        while (end < argument.Length && !char.IsWhiteSpace(argument[end]))
        {
            end++;
        }

        return argument[..end];
    }

    /// <summary>Returns the index just past the quote that closes the one at <paramref name="start"/>.</summary>
    private static int SkipQuoted(string script, int start)
    {
        var quote = script[start];
        var i = start + 1;
        while (i < script.Length)
        {
            var c = script[i];
            if (c == '\\' && quote != '`')
            {
                // A backslash escapes the next character in strings (not in identifiers).
                i += 2;
            }
            else if (c == quote)
            {
                // A doubled quote ('it''s') closes and reopens the string, which comes to the same thing.
                return i + 1;
            }
            else
            {
                i++;
            }
        }

        // Unterminated: the rest of the script is one command and the server reports the error.
        return script.Length;
    }

    private static int SkipBlockComment(string script, int start)
    {
        var close = script.IndexOf("*/", start + 2, StringComparison.Ordinal);
        return close < 0 ? script.Length : close + 2;
    }

    /// <summary><c>/*!</c>, <c>/*M!</c> and <c>/*+</c> are read by the server, so they are content.</summary>
    private static bool IsExecutableComment(string script, int start)
    {
        var body = script.AsSpan(start + 2);
        return body.StartsWith("!", StringComparison.Ordinal)
            || body.StartsWith("M!", StringComparison.Ordinal)
            || body.StartsWith("+", StringComparison.Ordinal);
    }

    /// <summary>MySQL needs white space (or the end) after <c>--</c>; <c>5--1</c> is arithmetic.</summary>
    private static bool IsDashDashComment(string script, int i) =>
        i + 1 < script.Length
        && script[i + 1] == '-'
        && (i + 2 == script.Length || char.IsWhiteSpace(script[i + 2]) || char.IsControl(script[i + 2]));

    /// <summary>The index of the line feed ending the line that holds <paramref name="i"/>, or the script's length.</summary>
    private static int EndOfLine(string script, int i)
    {
        var lineFeed = script.IndexOf('\n', i);
        return lineFeed < 0 ? script.Length : lineFeed;
    }

    private static int LineNumber(string script, int index) => script.AsSpan(0, index).Count('\n') + 1;
}
