#!/usr/bin/env bash
# Builds and runs every C# block of the library's docs (docs/library.md and the package README,
# Ledger.Core/README.md) the way a reader would: in a new console project that references the *packed* Ledger.Core
# package from a local folder, plus exactly the packages the page tells the reader to add.
#
#   scripts/doc-samples.sh                                   packs Ledger.Core itself (a unique pre-release version)
#   scripts/doc-samples.sh --version V --source DIR          uses Ledger.Core V from the folder DIR (scripts/test.sh)
#
# How a page marks its blocks (HTML comments, invisible when the page is rendered), each on the line before the fence:
#   <!-- sample-packages -->          before the ```bash block that says `dotnet add package ID [--version V]`; one
#                                     per page. Ledger.Core may omit the version (the packed one is used); any other
#                                     package must name it, so the build is the same every time.
#   <!-- sample: NAME [expect="TEXT"]... -->
#                                     before every ```csharp block: the blocks of one NAME, in page order, are one
#                                     program (Program.cs of a console project with the SDK's defaults: implicit usings,
#                                     nullable; warnings are errors). Each TEXT must appear in what the program prints.
# A ```csharp block without a marker fails the run, so no block goes untested. Compiler errors name the page's file
# and line.
#
# Each program runs against the servers of LEDGER_TEST_MYSQL / LEDGER_TEST_REDIS (scripts/servers-up.sh --print-env),
# in a database of its own, ledger_docs_NAME, and Redis keys under ledger-docs-NAME:. The samples can run again and
# again on the same database, as a reader would run them. Needs only bash, awk and the .NET SDK; restores offline
# from the machine's package sources. About 30 s.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pages=(docs/library.md Ledger.Core/README.md)

version=""
source_dir=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --version) version="$2"; shift 2 ;;
    --source) source_dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "doc-samples: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
if [[ -n "$version" && -z "$source_dir" ]] || [[ -z "$version" && -n "$source_dir" ]]; then
  echo "doc-samples: give --version and --source together" >&2
  exit 2
fi
if [[ -z "${LEDGER_TEST_MYSQL:-}" || -z "${LEDGER_TEST_REDIS:-}" ]]; then
  echo "doc-samples: set LEDGER_TEST_MYSQL and LEDGER_TEST_REDIS: eval \"\$(bash scripts/servers-up.sh --print-env)\"" >&2
  exit 2
fi
[[ "$LEDGER_TEST_MYSQL" == *"Database=ledger;"* ]] || {
  echo "doc-samples: LEDGER_TEST_MYSQL must name Database=ledger; (each program gets ledger_docs_NAME instead)" >&2
  exit 2
}

work="$(mktemp -d "${TMPDIR:-/tmp}/ledger-doc-samples.XXXXXX")"
packed_here=""
cleanup() {
  rm -rf "$work"
  if [[ -n "$packed_here" ]]; then
    # A version packed for this run only is never restored again: drop it from the NuGet cache.
    rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/ledger.core/$packed_here"
  fi
}
trap cleanup EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# --- Extract: one folder per program (Program.cs, page, expect), one package list per page -------------------------
mkdir -p "$work/programs" "$work/packages-of"
for page in "${pages[@]}"; do
  key="${page//\//_}"
  awk -v page="$page" -v path="$root/$page" -v out="$work" -v key="$key" '
    function fail(msg) { printf "%s:%d: %s\n", page, NR, msg > "/dev/stderr"; failed = 1; exit 1 }
    BEGIN { marker = ""; in_block = 0; kind = ""; packages_blocks = 0 }
    in_block {
      if ($0 ~ /^[ \t]*```[ \t]*$/) { in_block = 0; if (kind == "csharp") printf "\n" >> file; next }
      if (kind == "csharp") { print substr($0, indent + 1) >> file }
      else if (kind == "packages" && match($0, /dotnet add package [^ \t]+/)) {
        id = substr($0, RSTART + 19, RLENGTH - 19); v = ""
        rest = substr($0, RSTART + RLENGTH)
        if (match(rest, /^[ \t]+(--version|-v)[ \t]+[^ \t#]+/)) {
          v = substr(rest, RSTART, RLENGTH); sub(/^[ \t]+(--version|-v)[ \t]+/, "", v)
        }
        print id, (v == "" ? "-" : v) >> (out "/packages-of/" key)
      }
      next
    }
    /^[ \t]*```/ {
      line = $0; match(line, /^[ \t]*/); indent = RLENGTH
      lang = substr(line, indent + 4); gsub(/[ \t]/, "", lang)
      if (lang == "csharp" || lang == "cs" || lang == "c#") {
        if (marker !~ /^<!-- sample: /) fail("a ```csharp block without a <!-- sample: NAME --> comment on the line before it")
        spec = marker; sub(/^<!-- sample: /, "", spec); sub(/ *-->$/, "", spec)
        name = spec; sub(/ .*/, "", name)
        if (name !~ /^[a-z][a-z0-9-]*$/) fail("program names are lower case letters, digits and -: " name)
        dir = out "/programs/" name
        if ((name in seen_page) == 0) {
          if (system("test -e \"" dir "\"") == 0) fail("program " name " is already used by another page")
          system("mkdir -p \"" dir "\""); print page > (dir "/page"); close(dir "/page")
          seen_page[name] = 1
        }
        rest = substr(spec, length(name) + 1)
        while (match(rest, /expect="[^"]*"/)) {
          text = substr(rest, RSTART + 8, RLENGTH - 9); print text >> (dir "/expect"); close(dir "/expect")
          rest = substr(rest, RSTART + RLENGTH)
        }
        gsub(/[ \t]/, "", rest); if (rest != "") fail("cannot read the sample comment: " marker)
        file = dir "/Program.cs"
        printf "#line %d \"%s\"\n", NR + 1, path >> file
        kind = "csharp"; in_block = 1; marker = ""; next
      }
      if (marker == "<!-- sample-packages -->") {
        if (lang != "bash" && lang != "sh" && lang != "shell") fail("<!-- sample-packages --> goes before a ```bash block")
        packages_blocks++; kind = "packages"; in_block = 1; marker = ""; next
      }
      kind = "other"; in_block = 1; marker = ""; next
    }
    /[^ \t]/ { marker = $0; sub(/[ \t]+$/, "", marker) }
    END {
      if (failed) exit 1
      if (in_block) { printf "%s: a code block is not closed\n", page > "/dev/stderr"; exit 1 }
      if (packages_blocks > 1) { printf "%s: more than one <!-- sample-packages --> block\n", page > "/dev/stderr"; exit 1 }
    }
  ' "$root/$page"
done

programs=()
for dir in "$work"/programs/*/; do
  [[ -d "$dir" ]] && programs+=("$(basename "$dir")")
done
[[ ${#programs[@]} -gt 0 ]] || { echo "doc-samples: no C# block found in ${pages[*]}" >&2; exit 1; }

# --- The package: the one given, or one packed now ----------------------------------------------------------------
if [[ -z "$version" ]]; then
  source_dir="$work/packages"
  suffix="docs.$(date -u +%Y%m%d%H%M%S).$$"
  echo "doc-samples: packing Ledger.Core ($suffix)" >&2
  dotnet pack "$root/Ledger.Core" -c "${CONFIGURATION:-Release}" -o "$source_dir" --version-suffix "$suffix" >"$work/pack.log" 2>&1 \
    || { cat "$work/pack.log" >&2; echo "doc-samples: dotnet pack failed" >&2; exit 1; }
  nupkg=("$source_dir"/Ledger.Core.*-"$suffix".nupkg)
  version="$(basename "${nupkg[0]}" .nupkg)"
  version="${version#Ledger.Core.}"
  packed_here="$version"
fi
[[ -d "$source_dir" ]] || { echo "doc-samples: no folder $source_dir" >&2; exit 1; }
source_dir="$(cd "$source_dir" && pwd)"
[[ -f "$source_dir/Ledger.Core.$version.nupkg" ]] || { echo "doc-samples: no Ledger.Core.$version.nupkg in $source_dir" >&2; exit 1; }

# --- The project: what `dotnet new console` writes, plus the page's packages ------------------------------------------
project="$work/project"
mkdir -p "$project"
cat >"$project/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<!-- The machine's sources, plus the folder holding the packed Ledger.Core. -->
<configuration>
  <packageSources>
    <add key="ledger-local" value="$source_dir" />
  </packageSources>
</configuration>
EOF
# Keeps the folders above (a checkout's Directory.Build.props, if TMPDIR is inside one) out of the reader's project.
echo '<Project />' >"$project/Directory.Build.props"
echo '<Project />' >"$project/Directory.Build.targets"
echo '<Project><PropertyGroup><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup></Project>' \
  >"$project/Directory.Packages.props"

write_project() {  # write_project PAGE: DocSample.csproj with the page's packages
  local page="$1" key="${1//\//_}" id v references=""
  [[ -s "$work/packages-of/$key" ]] || { echo "doc-samples: $page has C# blocks but no <!-- sample-packages --> block naming its packages" >&2; return 1; }
  grep -q '^Ledger.Core ' "$work/packages-of/$key" || { echo "doc-samples: $page's package block does not add Ledger.Core" >&2; return 1; }
  while read -r id v; do
    if [[ "$id" == Ledger.Core ]]; then
      v="$version"
    elif [[ "$v" == - ]]; then
      echo "doc-samples: $page: dotnet add package $id names no --version (only Ledger.Core may leave it out)" >&2
      return 1
    fi
    references+="    <PackageReference Include=\"$id\" Version=\"$v\" />"$'\n'
  done <"$work/packages-of/$key"
  cat >"$project/DocSample.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <!-- The vulnerability audit reports on the package sources of the day, not on the docs. -->
    <WarningsNotAsErrors>\$(WarningsNotAsErrors);NU1900;NU1901;NU1902;NU1903;NU1904</WarningsNotAsErrors>
  </PropertyGroup>
  <ItemGroup>
$references  </ItemGroup>
</Project>
EOF
}

failures=0
for name in "${programs[@]}"; do
  dir="$work/programs/$name"
  page="$(cat "$dir/page")"
  echo "doc-samples: $name ($page)" >&2
  if ! write_project "$page"; then
    failures=$((failures + 1)); continue
  fi
  cp "$dir/Program.cs" "$project/Program.cs"
  if ! dotnet build "$project" -c Release -o "$work/out/$name" -nologo -clp:NoSummary >"$work/build.log" 2>&1; then
    diagnostics="$(grep -E ': (error|warning) ' "$work/build.log" | sort -u || true)"
    if [[ -n "$diagnostics" ]]; then echo "$diagnostics" >&2; else cat "$work/build.log" >&2; fi
    echo "doc-samples: $name ($page) does not build" >&2
    failures=$((failures + 1)); continue
  fi
  set +e
  env -u ConnectionStrings__LedgerMigrator \
  ConnectionStrings__Ledger="${LEDGER_TEST_MYSQL/Database=ledger;/Database=ledger_docs_${name//-/_};}" \
  ConnectionStrings__Redis="$LEDGER_TEST_REDIS" \
  Ledger__Cache__KeyPrefix="ledger-docs-$name:" \
  Logging__LogLevel__Default=Warning \
    timeout 180 dotnet "$work/out/$name/DocSample.dll" >"$work/run.log" 2>&1
  code=$?
  set -e
  if [[ "$code" != 0 ]]; then
    cat "$work/run.log" >&2
    echo "doc-samples: $name ($page) exited with $code" >&2
    failures=$((failures + 1)); continue
  fi
  missing=0
  if [[ -f "$dir/expect" ]]; then
    while IFS= read -r text; do
      if ! grep -qF -- "$text" "$work/run.log"; then
        echo "doc-samples: $name ($page) did not print: $text" >&2
        missing=1
      fi
    done <"$dir/expect"
  fi
  if [[ "$missing" != 0 ]]; then
    cat "$work/run.log" >&2
    failures=$((failures + 1)); continue
  fi
  sed 's/^/  | /' "$work/run.log" >&2
done

if [[ "$failures" != 0 ]]; then
  echo "doc-samples: $failures of ${#programs[@]} programs failed" >&2
  exit 1
fi
echo "doc-samples: ${#programs[@]} programs from ${pages[*]} built and ran against Ledger.Core $version" >&2
