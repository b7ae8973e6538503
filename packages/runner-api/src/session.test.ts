import { describe, expect, it } from 'vitest';
import { parseSessionMessage, SessionMessageError } from './session.ts';

const exit = {
  type: 'exit',
  stage: 'run',
  code: 0,
  signal: null,
  status: null,
  message: null,
  cpu_time: 12,
  wall_time: 30.5,
  memory: 1024,
};

describe('parseSessionMessage', () => {
  it('reads each message type the server sends', () => {
    expect(parseSessionMessage('{"type":"runtime","language":"python","version":"3.11.2"}')).toEqual({
      type: 'runtime',
      language: 'python',
      version: '3.11.2',
    });
    expect(parseSessionMessage('{"type":"stage","stage":"compile"}')).toEqual({ type: 'stage', stage: 'compile' });
    expect(parseSessionMessage('{"type":"data","stream":"stderr","data":"x"}')).toEqual({
      type: 'data',
      stream: 'stderr',
      data: 'x',
    });
    expect(parseSessionMessage(JSON.stringify(exit))).toEqual(exit);
    expect(
      parseSessionMessage(JSON.stringify({ ...exit, stage: 'compile', cached: true, status: 'RE', code: 1 })),
    ).toMatchObject({ stage: 'compile', cached: true, status: 'RE', code: 1 });
    expect(parseSessionMessage('{"type":"error","message":"no"}')).toEqual({ type: 'error', message: 'no' });
  });

  it('leaves types of later protocol versions to the caller (null)', () => {
    expect(parseSessionMessage('{"type":"progress","percent":50}')).toBeNull();
  });

  it('refuses what is not JSON or breaks its type', () => {
    for (const text of [
      'not json',
      '[1]',
      'null',
      '{"type":"stage","stage":"link"}',
      '{"type":"data","stream":"stdin","data":"x"}',
      '{"type":"data","stream":"stdout","data":1}',
      '{"type":"runtime","language":"python"}',
      '{"type":"error"}',
      JSON.stringify({ ...exit, code: 1.5 }),
      JSON.stringify({ ...exit, status: 'OK' }),
      JSON.stringify({ ...exit, wall_time: null }),
      JSON.stringify({ ...exit, cached: 'yes' }),
    ]) {
      expect(() => parseSessionMessage(text), text).toThrow(SessionMessageError);
    }
  });
});
