using Ledger.Migrations;

namespace Ledger.Core.Tests.Migrations;

public sealed class MySqlScriptSplitterTests
{
    /// <summary>One row per rule: a name for the test runner, the script, the commands the mysql client would send.</summary>
    public static TheoryData<string, string, string[]> Cases => new()
    {
        {
            "plain statements",
            "CREATE TABLE a (id INT);\nINSERT INTO a VALUES (1);\n",
            ["CREATE TABLE a (id INT)", "INSERT INTO a VALUES (1)"]
        },
        {
            "DELIMITER $$ around a procedure whose body holds semicolons",
            "DROP PROCEDURE IF EXISTS p;\nDELIMITER $$\nCREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND$$\nDELIMITER ;\nSELECT 3;\n",
            ["DROP PROCEDURE IF EXISTS p", "CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND", "SELECT 3"]
        },
        {
            "DELIMITER //",
            "DELIMITER //\nCREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\nEND //\nDELIMITER ;\n",
            ["CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\nEND"]
        },
        {
            "DELIMITER ; restores the default",
            "DELIMITER //\nSELECT 1//\nDELIMITER ;\nSELECT 2;SELECT 3;",
            ["SELECT 1", "SELECT 2", "SELECT 3"]
        },
        {
            "DELIMITER in lower case and indented",
            "  delimiter $$\nSELECT 1$$\n\tdelimiter ;\nSELECT 2;",
            ["SELECT 1", "SELECT 2"]
        },
        {
            "DELIMITER argument in quotes",
            "DELIMITER '$$'\nSELECT 1$$\nDELIMITER ;",
            ["SELECT 1"]
        },
        {
            "multi-character delimiter twice on one line",
            "DELIMITER ;;\nSELECT 1;; SELECT 2;;\nDELIMITER ;",
            ["SELECT 1", "SELECT 2"]
        },
        {
            "comments pending before a DELIMITER line are dropped",
            "-- header; with a semicolon\n/* block */\nDELIMITER $$\nSELECT 2$$",
            ["SELECT 2"]
        },
        {
            "DELIMITER line inside an unfinished statement is statement text, as in the client",
            "SELECT 1\nDELIMITER $$\nSELECT 2$$\nDELIMITER ;",
            ["SELECT 1\nDELIMITER $$\nSELECT 2$$\nDELIMITER"]
        },
        {
            "delimiter inside single, double and backtick quotes",
            "SELECT 'a;b', \"c;d\", `e;f`;SELECT 2;",
            ["SELECT 'a;b', \"c;d\", `e;f`", "SELECT 2"]
        },
        {
            "custom delimiter inside quotes",
            "DELIMITER $$\nSELECT 'x$$y', `z$$`$$\nDELIMITER ;",
            ["SELECT 'x$$y', `z$$`"]
        },
        {
            "delimiter inside line and block comments",
            "-- a;b\nSELECT 1; # c;d\n/* e;f */ SELECT 2;",
            ["-- a;b\nSELECT 1", "# c;d\n/* e;f */ SELECT 2"]
        },
        {
            "custom delimiter inside comments of a procedure body",
            "DELIMITER $$\nCREATE PROCEDURE p()\nBEGIN\n  -- not END$$ yet\n  /* nor END$$ */\n  # nor END$$\n  SELECT 1;\nEND$$\nDELIMITER ;\n",
            ["CREATE PROCEDURE p()\nBEGIN\n  -- not END$$ yet\n  /* nor END$$ */\n  # nor END$$\n  SELECT 1;\nEND"]
        },
        {
            "quote characters inside comments",
            "-- it's\nSELECT 1; /* \"x */ SELECT 2;",
            ["-- it's\nSELECT 1", "/* \"x */ SELECT 2"]
        },
        {
            "doubled quote inside a string",
            "SELECT 'it''s;';SELECT 2;",
            ["SELECT 'it''s;'", "SELECT 2"]
        },
        {
            "backslash-escaped quotes inside strings",
            @"SELECT 'a\'b;', ""c\""d;"";SELECT 2;",
            [@"SELECT 'a\'b;', ""c\""d;""", "SELECT 2"]
        },
        {
            "escaped backslash just before the closing quote",
            @"SELECT 'a\\';SELECT 2;",
            [@"SELECT 'a\\'", "SELECT 2"]
        },
        {
            "backslash is no escape inside backticks",
            @"SELECT 1 AS `a\`;SELECT 2;",
            [@"SELECT 1 AS `a\`", "SELECT 2"]
        },
        {
            "trailing statement without delimiter",
            "SELECT 1;\nSELECT 2",
            ["SELECT 1", "SELECT 2"]
        },
        {
            "Windows line endings",
            "DROP PROCEDURE IF EXISTS p;\r\nDELIMITER $$\r\nCREATE PROCEDURE p()\r\nBEGIN\r\n  SELECT 1; -- c\r\nEND$$\r\nDELIMITER ;\r\nSELECT 2;\r\n",
            ["DROP PROCEDURE IF EXISTS p", "CREATE PROCEDURE p()\r\nBEGIN\r\n  SELECT 1; -- c\r\nEND", "SELECT 2"]
        },
        {
            "empty commands are dropped",
            ";;\n  ;\nSELECT 1;;",
            ["SELECT 1"]
        },
        {
            "commands of comments only are dropped",
            "SELECT 1;\n-- trailing comment\n/* block */\n# hash\n",
            ["SELECT 1"]
        },
        {
            "executable comments are content",
            "/*!40101 SET NAMES utf8mb4 */;\n/*M!100100 SET @a = 1 */;\nSELECT 1;",
            ["/*!40101 SET NAMES utf8mb4 */", "/*M!100100 SET @a = 1 */", "SELECT 1"]
        },
        {
            "double dash without white space is no comment",
            "SELECT 5--1;SELECT 2;",
            ["SELECT 5--1", "SELECT 2"]
        },
        {
            "double dash and tab starts a comment",
            "SELECT 1 --\t;\n;",
            ["SELECT 1 --\t;"]
        },
        {
            "DELIMITER inside a string is no command",
            "SELECT '\nDELIMITER $$\n';SELECT 2;",
            ["SELECT '\nDELIMITER $$\n'", "SELECT 2"]
        },
        {
            "DELIMITER inside a block comment is no command",
            "/*\nDELIMITER $$\n*/ SELECT 1;",
            ["/*\nDELIMITER $$\n*/ SELECT 1"]
        },
        {
            "a word that starts with DELIMITER is no command",
            "SELECT\ndelimiters FROM t;",
            ["SELECT\ndelimiters FROM t"]
        },
        {
            "empty script",
            "",
            []
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Split_Script_ReturnsTheCommandsTheMysqlClientSends(string name, string script, string[] expected)
    {
        _ = name;

        var commands = MySqlScriptSplitter.Split(script);

        Assert.Equal(expected, commands);
    }

    [Theory]
    [InlineData("SELECT 1;\nDELIMITER\nSELECT 2;")]
    [InlineData("SELECT 1;\nDELIMITER   \r\nSELECT 2;")]
    public void Split_DelimiterLineWithoutDelimiter_ThrowsFormatExceptionNamingTheLine(string script)
    {
        var exception = Assert.Throws<FormatException>(() => MySqlScriptSplitter.Split(script));

        Assert.StartsWith("Line 2:", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Split_DelimiterWithBackslash_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => MySqlScriptSplitter.Split("DELIMITER \\\\\nSELECT 1\\\\"));
    }

    [Fact]
    public void Split_UnterminatedString_SendsTheRestAsOneCommand()
    {
        var commands = MySqlScriptSplitter.Split("SELECT 1; SELECT 'open; SELECT 2;");

        Assert.Equal(["SELECT 1", "SELECT 'open; SELECT 2;"], commands);
    }

    [Fact]
    public void Split_Null_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => MySqlScriptSplitter.Split(null!));
    }
}
