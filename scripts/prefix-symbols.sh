#!/usr/bin/env bash
# Gives every internal global of libstrata the strata__ prefix (the symbol
# rule of docs/library.md: public symbols are strata_*, declared in
# include/strata/; every other non-static global is strata__*, so that a
# program linking libstrata can have its own buf_puts or now_ms).
#
#   scripts/prefix-symbols.sh [--dry-run] [BUILD_DIR]   (default: build)
#
# Reads `nm` of BUILD_DIR/libstrata.a (build it first: make), takes the
# defined global symbols, functions and data, that are neither strata_*
# nor strata__*, and renames each, as a whole identifier, in the C files
# and headers under src/, tests/unit/, fuzz/ and bench/, and where
# bench/README.md and docs/ name them. --dry-run prints the renames (and
# the occurrences left alone, below) and changes nothing. A second run
# finds nothing to rename and changes nothing.
#
# What is renamed in a C file, and what is not:
#   1. code identifiers equal to a name, except after `.` or `->` (a
#      member access or designated initializer), inside a struct or union
#      body (member declarations), and where a local variable or parameter
#      of that name is in scope (from its declaration to the end of its
#      block or function);
#   2. a string literal whose whole text is a name (alias("buf_puts"));
#      other strings (messages) are left as they are;
#   3. names in comments, unless they name a file (libpq_dyn.c, db/x.h).
# A name that a system library the build links (libc, libm, sqlite3,
# jansson, inih, libpq) also defines is never renamed and is reported:
# such a definition interposes the library's and renaming would change
# what the program does.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

dry=0
build=build
for a in "$@"; do
  case "$a" in
    --dry-run | -n) dry=1 ;;
    -h | --help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "prefix-symbols.sh: unknown option '$a'" >&2; exit 2 ;;
    *) build=$a ;;
  esac
done
lib=$build/libstrata.a
if [ ! -f "$lib" ]; then
  echo "prefix-symbols.sh: $lib not found" >&2
  echo "hint: build it first (make BUILD=$build)" >&2
  exit 2
fi

# Defined globals of the archive: "ADDR TYPE NAME" rows, uppercase types
# but U (undefined) and weak/common ones included.
names=$(nm -g --defined-only "$lib" 2>/dev/null |
  awk 'NF == 3 && $2 ~ /^[A-TV-Z]$/ { print $3 }' |
  grep -v -e '^strata_' -e '^_' | sort -u) || true

# Symbols the system libraries define: never renamed.
syslibs=""
for l in libc.so.6 libm.so.6 libsqlite3.so libjansson.so libinih.so libpq.so; do
  p=$(${CC:-cc} -print-file-name="$l" 2>/dev/null) || continue
  [ -f "$p" ] && syslibs="$syslibs $(readlink -f "$p")"
done
sysdefs=$(for p in $syslibs; do nm -D --defined-only "$p" 2>/dev/null; done |
  awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }' | sort -u)
keep=$(comm -12 <(printf '%s\n' "$names") <(printf '%s\n' "$sysdefs") | sed '/^$/d')
if [ -n "$keep" ]; then
  printf 'prefix-symbols.sh: also defined by a system library, left alone: %s\n' $keep >&2
  names=$(comm -23 <(printf '%s\n' "$names") <(printf '%s\n' "$keep"))
fi
names=$(printf '%s\n' "$names" | sed '/^$/d')
if [ -z "$names" ]; then
  echo "prefix-symbols.sh: nothing to rename" >&2
  exit 0
fi

files=$(find src tests/unit fuzz bench -type f \( -name '*.c' -o -name '*.h' \) | sort)
docs=$(find docs -type f -name '*.md' | sort; [ -f bench/README.md ] && echo bench/README.md)

if [ "$dry" = 1 ]; then
  printf '%s\n' "$names" | sed 's/.*/& -> strata__&/'
fi

# shellcheck disable=SC2086
printf '%s\n' "$names" | STRATA_DRY=$dry perl -e '
use strict; use warnings;
my $dry = $ENV{STRATA_DRY};
my %n; my $listfile = shift @ARGV;
open(my $lf, "<", $listfile) or die; while (<$lf>) { chomp; $n{$_} = 1 if length } close $lf;
my $pfx = "strata__";
my @kw = qw(return sizeof case goto else do if while for switch typedef
            extern static inline struct union enum _Alignof alignof default);
my %kw = map { $_ => 1 } @kw;
my $changed = 0;

# Comment or prose: whole words, not file names (x.c, x.h, a/x).
sub prose {
    my ($t) = @_;
    $t =~ s{(?<![A-Za-z0-9_/.\-])([A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_]|\.[A-Za-z]|/)}
           {exists $n{$1} ? "$pfx$1" : $1}ge;
    return $t;
}

sub c_file {
    my ($src, $file) = @_;
    my $out = "";
    my $i = 0; my $len = length $src;
    my @prev;                # last two significant code tokens
    my @braces;              # per open brace: { kind => struct|block, locals => {} }
    my %pending;             # parameters seen in a parameter list at file scope
    my $paren = 0;
    my $want_aggr = 0;       # "struct"/"union" seen, its "{" is a member list
    my $in_pp = 0;
    my @skipped;
    my $shadowed = sub {
        my ($name) = @_;
        for my $b (@braces) { return 1 if $b->{locals}{$name} }
        return 1 if $paren && $pending{$name};
        return 0;
    };
    my $in_aggr = sub { return @braces && $braces[-1]{kind} eq "aggr" };
    while ($i < $len) {
        my $rest = substr($src, $i, 2);
        my $c = substr($src, $i, 1);
        if ($rest eq "//") {
            my $e = index($src, "\n", $i); $e = $len if $e < 0;
            $out .= prose(substr($src, $i, $e - $i)); $i = $e; next;
        }
        if ($rest eq "/*") {
            my $e = index($src, "*/", $i + 2); $e = $e < 0 ? $len : $e + 2;
            $out .= prose(substr($src, $i, $e - $i)); $i = $e; next;
        }
        if ($c eq "\"" || $c eq "\x27") {
            my $j = $i + 1;
            while ($j < $len) {
                my $d = substr($src, $j, 1);
                if ($d eq "\\") { $j += 2; next }
                last if $d eq $c || $d eq "\n";
                $j++;
            }
            my $lit = substr($src, $i, $j + 1 - $i);
            if ($c eq "\"" && $lit =~ /^"([A-Za-z_][A-Za-z0-9_]*)"$/ && exists $n{$1}
                && !(@prev && $prev[-1] eq "include")) {
                $lit = "\"$pfx$1\"";
            }
            $out .= $lit; $i = $j + 1; @prev = (@prev, "LIT")[-2, -1]; next;
        }
        if ($c eq "\n") {
            if ($in_pp && substr($src, $i - 1, 1) ne "\\") { $in_pp = 0; @prev = (";", ";") }
            $out .= $c; $i++; next;
        }
        if ($c =~ /\s/) { $out .= $c; $i++; next }
        if ($c eq "#" && !$in_pp) {
            # a directive; its name is not a token of code
            $in_pp = 1; $out .= $c; $i++;
            if (substr($src, $i) =~ /^(\s*)([A-Za-z_]\w*)/) {
                $out .= $1 . $2; $i += length($1) + length($2);
                @prev = ($2 eq "include" ? ("#", "include") : ("#", "PP"));
            }
            next;
        }
        if (substr($src, $i) =~ /^([0-9][A-Za-z0-9_.]*)/) {
            $out .= $1; $i += length $1; @prev = (@prev, "NUM")[-2, -1]; next;
        }
        if (substr($src, $i) =~ /^([A-Za-z_][A-Za-z0-9_]*)/) {
            my $id = $1; my $start = $i; $i += length $id;
            # "struct [tag] {" opens a member list; "struct tag x" does not
            if ($id eq "struct" || $id eq "union") { $want_aggr = 1 }
            elsif ($want_aggr) { $want_aggr = $want_aggr == 1 ? 2 : 0 }
            my $rename = exists $n{$id};
            my $p1 = @prev ? $prev[-1] : "";
            my $p2 = @prev > 1 ? $prev[-2] : "";
            my ($next) = substr($src, $i) =~ /^\s*(->|[^\s])/;
            $next //= "";
            if ($rename) {
                my $why = "";
                if ($p1 eq "." || $p1 eq "->") { $why = "member" }
                elsif ($in_aggr->()) { $why = "member declaration" }
                elsif (!$in_pp && $next =~ /^[=;,\[)]$/
                       && ($p1 =~ /^[A-Za-z_]\w*$/ && !$kw{$p1}
                           || $p1 eq "*" && $p2 =~ /^[A-Za-z_]\w*$/ && !$kw{$p2})
                       && !($p1 =~ /^[A-Za-z_]\w*$/ && exists $n{$p1})) {
                    # a declaration of a variable or parameter of that name
                    # (at file scope it is the global itself: renamed)
                    if ($paren && !@braces) { $pending{$id} = 1; $why = "parameter" }
                    elsif (@braces) { $braces[-1]{locals}{$id} = 1; $why = "local" }
                }
                elsif ($shadowed->($id)) { $why = "local or parameter" }
                if ($why) {
                    my $line = 1 + (substr($src, 0, $start) =~ tr/\n//);
                    push @skipped, "$file:$line: $id ($why)";
                    $rename = 0;
                }
            }
            $out .= $rename ? "$pfx$id" : $id;
            @prev = (@prev, $id)[-2, -1];
            next;
        }
        # punctuation
        my $tok = $c;
        if ($rest eq "->") { $tok = "->" }
        $i += length $tok; $out .= $tok;
        next if $in_pp && $tok eq "\\";
        $want_aggr = 0 if $tok ne "{";
        if ($tok eq "(") { $paren++ }
        elsif ($tok eq ")") { $paren-- if $paren > 0 }
        elsif ($tok eq "{") {
            my $kind = $want_aggr ? "aggr" : "block";
            my %locals = ();
            if (!@braces && $paren == 0) { %locals = %pending; %pending = () }
            push @braces, { kind => $kind, locals => \%locals };
            $want_aggr = 0;
        }
        elsif ($tok eq "}") { pop @braces }
        elsif ($tok eq ";") {
            $want_aggr = 0;
            %pending = () if !@braces && $paren == 0;
        }
        @prev = (@prev, $tok)[-2, -1];
    }
    return ($out, \@skipped);
}

my @all_skipped;
while (my $f = shift @ARGV) {
    last if $f eq "--";
    local $/; open(my $fh, "<", $f) or die "$f: $!"; my $src = <$fh>; close $fh;
    my ($out, $sk) = c_file($src, $f);
    push @all_skipped, @$sk;
    next if $out eq $src;
    $changed++;
    if ($dry) { print "would change $f\n" }
    else { open(my $oh, ">", $f) or die "$f: $!"; print $oh $out; close $oh }
}
while (my $f = shift @ARGV) {
    local $/; open(my $fh, "<", $f) or die "$f: $!"; my $src = <$fh>; close $fh;
    # Markdown: only what is marked as code (`...`).
    (my $out = $src) =~ s{(`[^`\n]+`)}{prose($1)}ge;
    next if $out eq $src;
    $changed++;
    if ($dry) { print "would change $f\n" }
    else { open(my $oh, ">", $f) or die "$f: $!"; print $oh $out; close $oh }
}
print STDERR "left alone: $_\n" for @all_skipped;
print STDERR "prefix-symbols.sh: ", ($dry ? "would change" : "changed"), " $changed files\n";
' /dev/stdin $files -- $docs
