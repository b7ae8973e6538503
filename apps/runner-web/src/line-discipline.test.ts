import { describe, expect, it } from 'vitest';
import { LineDiscipline } from './line-discipline.ts';

describe('LineDiscipline', () => {
  it('echoes what is typed and sends the line with a newline on Enter', () => {
    const tty = new LineDiscipline();
    expect(tty.receive('Ad')).toEqual({ echo: 'Ad', actions: [] });
    expect(tty.receive('a')).toEqual({ echo: 'a', actions: [] });
    expect(tty.receive('\r')).toEqual({ echo: '\r\n', actions: [{ kind: 'send', data: 'Ada\n' }] });
    expect(tty.receive('\r')).toEqual({ echo: '\r\n', actions: [{ kind: 'send', data: '\n' }] });
  });

  it('lets Backspace remove whole characters of the current line only', () => {
    const tty = new LineDiscipline();
    expect(tty.receive('né😀')).toEqual({ echo: 'né😀', actions: [] });
    expect(tty.receive('\x7f\x7f')).toEqual({ echo: '\b \b\b \b', actions: [] });
    expect(tty.receive('\x7f\x7f\b')).toEqual({ echo: '\b \b', actions: [] });
    expect(tty.receive('ok\x15')).toEqual({ echo: 'ok\b \b\b \b', actions: [] });
    expect(tty.receive('x\r').actions).toEqual([{ kind: 'send', data: 'x\n' }]);
  });

  it('sends a pasted block of lines as one message, CRLF as one line end', () => {
    const tty = new LineDiscipline();
    expect(tty.receive('a\r\nb\nc\rd')).toEqual({
      echo: 'a\r\nb\r\nc\r\nd',
      actions: [{ kind: 'send', data: 'a\nb\nc\n' }],
    });
  });

  it('drops escape sequences (arrows, F-keys) and other control characters, keeps tabs', () => {
    const tty = new LineDiscipline();
    expect(tty.receive('a\x1b[A\x1b[1;5C\x1bOP\x1bb\x07\tb')).toEqual({ echo: 'a\tb', actions: [] });
    expect(tty.receive('\x1b')).toEqual({ echo: '', actions: [] });
  });

  it('turns Ctrl+C into an interrupt that drops the line being typed', () => {
    const tty = new LineDiscipline();
    expect(tty.receive('half\x03')).toEqual({ echo: 'half^C\r\n', actions: [{ kind: 'interrupt' }] });
    expect(tty.receive('\r').actions).toEqual([{ kind: 'send', data: '\n' }]);
  });

  it('ends the input on Ctrl+D, sending the pending line first; later typing goes nowhere but Ctrl+C still works', () => {
    const tty = new LineDiscipline();
    expect(tty.ended).toBe(false);
    expect(tty.receive('one\rtwo\x04').actions).toEqual([{ kind: 'send', data: 'one\ntwo' }, { kind: 'eof' }]);
    expect(tty.ended).toBe(true);
    expect(tty.receive('more\r\x04')).toEqual({ echo: '', actions: [] });
    expect(tty.receive('\x03').actions).toEqual([{ kind: 'interrupt' }]);
    expect(new LineDiscipline().receive('\x04').actions).toEqual([{ kind: 'eof' }]);
  });
});
