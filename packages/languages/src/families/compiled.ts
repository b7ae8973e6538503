import type { Language } from '../types.ts';

// Older compiled languages, each built to a native ./main in the box by a GCC front end or its own compiler.

export const d: Language = {
  name: 'd',
  aliases: ['dlang', 'gdc'],
  extensions: ['.d'],
  fileName: 'main.d',
  editorMode: 'd',
  runtimes: [
    {
      // Piston's runtime field: its gcc package provides D (with gdc).
      name: 'gcc',
      aliases: [],
      judge0Ids: [56],
      debianPackages: ['gdc', 'libc6-dev'],
      tools: { gdc: 'gdc' },
      version: { argv: ['gdc', '-dumpfullversion'], pattern: /(\d+\.\d+\.\d+)/, example: ['12.2.0', '12.2.0'] },
      // No -O: optimising Phobos' templates (std.format, std.algorithm) takes seconds of the 10 s compile limit.
      compile: ['gdc', '-o', 'main', '{sources}'],
      run: ['./main', '{args}'],
    },
  ],
  tests: {
    hello: 'import std.stdio;\nvoid main() { writeln("hello world"); }',
    echoStdin:
      'import std.stdio;\nvoid main() { foreach (ubyte[] chunk; stdin.byChunk(4096)) stdout.rawWrite(chunk); }',
    printArgs: 'import std.stdio, std.array;\nvoid main(string[] args) { writeln(args[1 .. $].join(" ")); }',
    exit3: 'int main() { return 3; }',
    uncaught: { source: 'void main() { throw new Exception("boom"); }', code: 1, stderr: /Exception@\S+: boom/ },
    compileError: 'void main() { int x = "text"; }',
  },
  sample: `import std.stdio : readln, write, writeln;
import std.string : strip;

void main(string[] args)
{
    string name = readln().strip();
    if (name.length == 0) name = "world";
    writeln("Hello, ", name, "!");
    write("args:");
    foreach (arg; args[1 .. $]) write(" ", arg);
    writeln();
    foreach (n; 1 .. 6) write(n * n, " ");
    writeln();
}
`,
};

export const fortran: Language = {
  name: 'fortran',
  aliases: ['f90', 'gfortran'],
  extensions: ['.f90', '.f95', '.f03', '.f08', '.f', '.for'],
  fileName: 'main.f90',
  editorMode: 'fortran',
  runtimes: [
    {
      // Piston's runtime field: its gcc package provides Fortran (with gfortran).
      name: 'gcc',
      aliases: [],
      judge0Ids: [59],
      debianPackages: ['gfortran', 'libc6-dev'],
      tools: { gfortran: 'gfortran' },
      version: { argv: ['gfortran', '-dumpfullversion'], pattern: /(\d+\.\d+\.\d+)/, example: ['12.2.0', '12.2.0'] },
      // The form (free or fixed) follows each file's extension: .f90 and newer free, .f and .for fixed.
      compile: ['gfortran', '-O2', '-o', 'main', '{sources}'],
      run: ['./main', '{args}'],
    },
  ],
  tests: {
    hello: "program main\n  print '(a)', 'hello world'\nend program main",
    echoStdin: `program main
  implicit none
  character(len=1024) :: buf
  integer :: ios, n
  do
    read (*, '(a)', advance='no', iostat=ios, size=n) buf
    if (is_iostat_end(ios)) exit
    write (*, '(a)', advance='no') buf(1:n)
    if (is_iostat_eor(ios)) write (*, '(a)') ''
  end do
end program main`,
    printArgs: `program main
  implicit none
  character(len=1024) :: arg
  integer :: i
  do i = 1, command_argument_count()
    call get_command_argument(i, arg)
    if (i > 1) write (*, '(a)', advance='no') ' '
    write (*, '(a)', advance='no') trim(arg)
  end do
  write (*, '(a)') ''
end program main`,
    exit3: 'program main\n  stop 3\nend program main',
    uncaught: { source: "program main\n  error stop 'boom'\nend program main", code: 1, stderr: /ERROR STOP boom/ },
    compileError: "program main\n  integer :: x\n  x = 'text'\nend program main",
  },
  sample: `program main
  implicit none
  character(len=256) :: name, arg
  integer :: ios, i

  read (*, '(a)', iostat=ios) name
  if (ios /= 0 .or. len_trim(name) == 0) name = 'world'
  print '(a)', 'Hello, ' // trim(adjustl(name)) // '!'

  write (*, '(a)', advance='no') 'args:'
  do i = 1, command_argument_count()
    call get_command_argument(i, arg)
    write (*, '(a)', advance='no') ' ' // trim(arg)
  end do
  write (*, '(a)') ''

  print '(5i4)', (i * i, i = 1, 5)
end program main
`,
};

export const pascal: Language = {
  name: 'pascal',
  aliases: ['freepascal', 'pp', 'pas', 'fpc'],
  extensions: ['.pas', '.pp'],
  fileName: 'main.pas',
  editorMode: 'pascal',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [67],
      // The compiler and its run-time units (System, SysUtils...); it links with binutils' ld.
      debianPackages: ['fp-compiler', 'fp-units-rtl'],
      // The compiler itself, not the fpc driver: the driver adds "Error: ppcx64 returned an error exitcode" on
      // stdout, after the compiler's messages on stderr (x86-64's compiler; arm64's is ppca64).
      tools: { ppcx64: 'ppcx64' },
      version: { argv: ['ppcx64', '-iV'], pattern: /(\d+\.\d+\.\d+)/, example: ['3.2.2', '3.2.2'] },
      // -n: no /etc/fpc.cfg (not in the sandbox's /etc), its options are given here instead: the units'
      // path (macros FPC expands: /usr/lib/x86_64-linux-gnu/fpc/3.2.2/units/x86_64-linux/*), -Sgic (goto, inline
      // and C operators such as +=), -XX -CX -Xs (smart linking, stripped: ~100 KB instead of 1 MB). FPC's
      // default mode, as Piston and Judge0 ({$mode objfpc} in the source picks another). -l- no banner; -v0ewz
      // errors and warnings only, on stderr (FPC writes to stdout otherwise); -FU/tmp: .o/.ppu out of the box.
      compile: [
        'ppcx64',
        '-n',
        '-Fu/usr/lib/$fpctarget-gnu/fpc/$fpcversion/units/$fpctarget/*',
        '-Sgic',
        '-O2',
        '-XX',
        '-CX',
        '-Xs',
        '-l-',
        '-v0ewz',
        '-FU/tmp',
        '-omain',
        '{main}',
      ],
      run: ['./main', '{args}'],
    },
  ],
  tests: {
    hello: "begin\n  writeln('hello world');\nend.",
    echoStdin: 'var c: char;\nbegin\n  while not eof do begin read(c); write(c); end;\nend.',
    printArgs:
      "var i: integer;\nbegin\n  for i := 1 to ParamCount do begin\n    if i > 1 then write(' ');\n    write(ParamStr(i));\n  end;\n  writeln;\nend.",
    exit3: 'begin\n  halt(3);\nend.',
    uncaught: {
      source: "{$mode objfpc}\nuses SysUtils;\nbegin\n  raise Exception.Create('boom');\nend.",
      code: 217,
      stderr: /Exception: boom/,
    },
    compileError: "var x: integer;\nbegin\n  x := 'text';\nend.",
  },
  sample: `program Main;

uses SysUtils;

var
  name: string;
  i: integer;

begin
  name := '';
  if not eof(input) then readln(name);
  name := Trim(name);
  if name = '' then name := 'world';
  writeln('Hello, ', name, '!');
  write('args:');
  for i := 1 to ParamCount do write(' ', ParamStr(i));
  writeln;
  for i := 1 to 5 do write(i * i, ' ');
  writeln;
end.
`,
};

export const cobol: Language = {
  name: 'cobol',
  aliases: ['cob', 'cbl', 'gnucobol', 'cobc'],
  extensions: ['.cob', '.cbl', '.cobol'],
  fileName: 'main.cob',
  editorMode: 'cobol',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [77],
      // cobc translates to C and runs gcc (both depended on by gnucobol3), linking libcob.
      debianPackages: ['gnucobol3'],
      tools: { cobc: 'cobc' },
      version: {
        argv: ['cobc', '--version'],
        pattern: /\(GnuCOBOL\) (\d+\.\d+\.\d+)/,
        example: [
          'cobc (GnuCOBOL) 3.1.2.0\nCopyright (C) 2020 Free Software Foundation, Inc.\nLicense GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>\nThis is free software; see the source for copying conditions.  There is NO\nwarranty; not even for MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.\nWritten by Keisuke Nishida, Roger While, Ron Norman, Simon Sobisch, Edward Hart\nBuilt     Sep 19 2022 04:27:09\nPackaged  Dec 23 2020 12:04:58 UTC\nC version "12.2.0"',
          '3.1.2',
        ],
      },
      // Free format, as Judge0 (cobc -free -x) and Piston (--free -x) compile it: what users send there, and
      // code indented to column 8 compiles too; only fixed format's column-7 comments and sequence numbers do not.
      compile: ['cobc', '-free', '-x', '-o', 'main', '{sources}'],
      run: ['./main', '{args}'],
      // cobc reads its dialect (default.conf) from /etc/gnucobol, which it has no other place for.
      etc: ['gnucobol'],
    },
  ],
  tests: {
    hello:
      "IDENTIFICATION DIVISION.\nPROGRAM-ID. MAIN.\nPROCEDURE DIVISION.\n    DISPLAY 'hello world'\n    STOP RUN.\n",
    // LINE SEQUENTIAL from the keyboard, each record's length read into WS-LEN (trailing spaces kept).
    echoStdin: `IDENTIFICATION DIVISION.
PROGRAM-ID. MAIN.
ENVIRONMENT DIVISION.
INPUT-OUTPUT SECTION.
FILE-CONTROL.
    SELECT STDIN ASSIGN TO KEYBOARD ORGANIZATION LINE SEQUENTIAL.
DATA DIVISION.
FILE SECTION.
FD STDIN RECORD VARYING 0 TO 4096 DEPENDING ON WS-LEN.
01 STDIN-LINE PIC X(4096).
WORKING-STORAGE SECTION.
01 WS-LEN PIC 9(4) COMP.
PROCEDURE DIVISION.
    OPEN INPUT STDIN
    PERFORM UNTIL EXIT
        READ STDIN AT END EXIT PERFORM END-READ
        IF WS-LEN = 0
            DISPLAY X'0A' WITH NO ADVANCING
        ELSE
            DISPLAY STDIN-LINE(1:WS-LEN)
        END-IF
    END-PERFORM
    CLOSE STDIN
    STOP RUN.
`,
    printArgs: `IDENTIFICATION DIVISION.
PROGRAM-ID. MAIN.
DATA DIVISION.
WORKING-STORAGE SECTION.
01 WS-ARGC PIC 9(4).
01 WS-I    PIC 9(4).
01 WS-ARG  PIC X(4096).
PROCEDURE DIVISION.
    ACCEPT WS-ARGC FROM ARGUMENT-NUMBER
    PERFORM VARYING WS-I FROM 1 BY 1 UNTIL WS-I > WS-ARGC
        ACCEPT WS-ARG FROM ARGUMENT-VALUE
        IF WS-I > 1 DISPLAY ' ' WITH NO ADVANCING END-IF
        DISPLAY FUNCTION TRIM(WS-ARG TRAILING) WITH NO ADVANCING
    END-PERFORM
    DISPLAY X'0A' WITH NO ADVANCING
    STOP RUN.
`,
    exit3: 'IDENTIFICATION DIVISION.\nPROGRAM-ID. MAIN.\nPROCEDURE DIVISION.\n    STOP RUN RETURNING 3.\n',
    // A CALL of a program that does not exist: libcob's run-time error.
    uncaught: {
      source: "IDENTIFICATION DIVISION.\nPROGRAM-ID. MAIN.\nPROCEDURE DIVISION.\n    CALL 'BOOM'\n    STOP RUN.\n",
      code: 1,
      stderr: /module 'BOOM' not found/,
    },
    compileError:
      'IDENTIFICATION DIVISION.\nPROGRAM-ID. MAIN.\nPROCEDURE DIVISION.\n    MOVE 1 TO UNDEFINED-ITEM\n    STOP RUN.\n',
  },
  sample: `       IDENTIFICATION DIVISION.
       PROGRAM-ID. MAIN.
       DATA DIVISION.
       WORKING-STORAGE SECTION.
       01 WS-NAME   PIC X(64).
       01 WS-ARGC   PIC 99.
       01 WS-ARG    PIC X(256).
       01 WS-I      PIC 99.
       01 WS-SQUARE PIC Z9.
       PROCEDURE DIVISION.
           MOVE SPACES TO WS-NAME
           ACCEPT WS-NAME
               ON EXCEPTION MOVE SPACES TO WS-NAME
           END-ACCEPT
           IF WS-NAME = SPACES
               MOVE "world" TO WS-NAME
           END-IF
           DISPLAY "Hello, " FUNCTION TRIM(WS-NAME) "!"
           ACCEPT WS-ARGC FROM ARGUMENT-NUMBER
           DISPLAY "args: " WS-ARGC
           PERFORM VARYING WS-I FROM 1 BY 1 UNTIL WS-I > WS-ARGC
               ACCEPT WS-ARG FROM ARGUMENT-VALUE
               DISPLAY "  " WS-I ": " FUNCTION TRIM(WS-ARG)
           END-PERFORM
           PERFORM VARYING WS-I FROM 1 BY 1 UNTIL WS-I > 5
               COMPUTE WS-SQUARE = WS-I * WS-I
               DISPLAY WS-I " squared is " WS-SQUARE
           END-PERFORM
           STOP RUN.
`,
};

export const ada: Language = {
  name: 'ada',
  aliases: ['gnat', 'adb'],
  extensions: ['.adb', '.ads'],
  fileName: 'main.adb',
  editorMode: 'plain',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [],
      // gnatmake with GCC's Ada front end (gcc-12), gnatbind and gnatlink, and the GNAT run-time library.
      debianPackages: ['gnat', 'libc6-dev'],
      tools: { gnatmake: 'gnatmake' },
      version: {
        argv: ['gnatmake', '--version'],
        pattern: /GNATMAKE (\d+\.\d+\.\d+)/,
        example: [
          'GNATMAKE 12.2.0\nCopyright (C) 1995-2022, Free Software Foundation, Inc.\nThis is free software; see the source for copying conditions.\nThere is NO warranty; not even for MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.',
          '12.2.0',
        ],
      },
      // The main unit may have any name (a main file not named after its unit is only a warning); other
      // units are found by GNAT's file names (unit name in lower case, .ads/.adb) in the box. -q: no commands
      // echoed; -D /tmp: the .ali and .o files go outside the box, so nothing but ./main is left to cache.
      compile: ['gnatmake', '-q', '-O2', '-D', '/tmp', '-o', 'main', '{main}'],
      run: ['./main', '{args}'],
    },
  ],
  tests: {
    hello: 'with Ada.Text_IO;\nprocedure Main is\nbegin\n   Ada.Text_IO.Put_Line ("hello world");\nend Main;',
    echoStdin:
      'with Ada.Text_IO; use Ada.Text_IO;\nprocedure Main is\nbegin\n   while not End_Of_File loop\n      Put_Line (Get_Line);\n   end loop;\nend Main;',
    printArgs: `with Ada.Text_IO; use Ada.Text_IO;
with Ada.Command_Line; use Ada.Command_Line;
procedure Main is
begin
   for I in 1 .. Argument_Count loop
      if I > 1 then
         Put (" ");
      end if;
      Put (Argument (I));
   end loop;
   New_Line;
end Main;`,
    exit3: 'with Ada.Command_Line;\nprocedure Main is\nbegin\n   Ada.Command_Line.Set_Exit_Status (3);\nend Main;',
    uncaught: {
      source: 'procedure Main is\nbegin\n   raise Program_Error with "boom";\nend Main;',
      code: 1,
      stderr: /PROGRAM_ERROR : boom/,
    },
    compileError: 'procedure Main is\n   X : Integer := "text";\nbegin\n   null;\nend Main;',
  },
  sample: `with Ada.Text_IO;       use Ada.Text_IO;
with Ada.Command_Line;  use Ada.Command_Line;
with Ada.Strings.Fixed; use Ada.Strings.Fixed;

procedure Main is
   function Read_Name return String is
   begin
      if End_Of_File then
         return "world";
      end if;
      declare
         Line : constant String := Trim (Get_Line, Ada.Strings.Both);
      begin
         return (if Line = "" then "world" else Line);
      end;
   end Read_Name;
begin
   Put_Line ("Hello, " & Read_Name & "!");
   Put ("args:");
   for I in 1 .. Argument_Count loop
      Put (" " & Argument (I));
   end loop;
   New_Line;
   for N in 1 .. 5 loop
      Put (Integer'Image (N * N));
   end loop;
   New_Line;
end Main;
`,
};

export const compiled: readonly Language[] = [d, fortran, pascal, cobol, ada];
