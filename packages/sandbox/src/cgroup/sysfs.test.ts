import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseKeyed, parseOwnCgroups, parsePids, readKeyed, readNumber, readPids } from './sysfs.ts';

describe('parseOwnCgroups (/proc/self/cgroup)', () => {
  it('maps each controller of a v1 line, several per hierarchy', () => {
    const own = parseOwnCgroups('4:cpu,cpuacct:/x\n7:memory:/user.slice/y\n2:pids:/\n');
    expect([...own]).toEqual([
      ['cpu', '/x'],
      ['cpuacct', '/x'],
      ['memory', '/user.slice/y'],
      ['pids', '/'],
    ]);
  });

  it("keys the v2 hierarchy as ''", () => {
    expect([...parseOwnCgroups('0::/x\n')]).toEqual([['', '/x']]);
    expect(parseOwnCgroups('0::/\n').get('')).toBe('/');
  });

  it('reads a hybrid host: v1 controllers and the v2 hierarchy side by side', () => {
    const own = parseOwnCgroups(
      [
        '12:memory:/system.slice/app.service',
        '6:cpu,cpuacct:/system.slice/app.service',
        '3:pids:/system.slice/app.service',
        '1:name=systemd:/system.slice/app.service',
        '0::/system.slice/app.service',
        '',
      ].join('\n'),
    );
    expect(own.get('memory')).toBe('/system.slice/app.service');
    expect(own.get('cpuacct')).toBe('/system.slice/app.service');
    expect(own.get('')).toBe('/system.slice/app.service');
    expect(own.get('name=systemd')).toBe('/system.slice/app.service');
    expect(own.has('cpuset')).toBe(false);
  });

  it('keeps colons of the path and skips lines that are not hierarchies', () => {
    const own = parseOwnCgroups('5:memory:/a:b\ngarbage\n\n');
    expect([...own]).toEqual([['memory', '/a:b']]);
  });
});

describe('parseKeyed (memory.stat, memory.events, cpu.stat)', () => {
  it('reads the `key value` lines', () => {
    const events = parseKeyed('low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n');
    expect(events.get('oom_kill')).toBe(1);
    expect(events.get('max')).toBe(12);
    expect(events.get('oom_group_kill')).toBe(0);
    expect(events.size).toBe(6);
  });

  it('tells keys apart that share a prefix (v1 memory.oom_control)', () => {
    const oom = parseKeyed('oom_kill_disable 0\nunder_oom 0\noom_kill 3\n');
    expect(oom.get('oom_kill')).toBe(3);
    expect(oom.get('oom_kill_disable')).toBe(0);
  });

  it('keeps large counters and skips lines that are not a key and an integer', () => {
    const stat = parseKeyed('usage_usec 123456789012\nsome avg10=0.00 avg60=0.00\nnr_periods\nkey 1 2\n');
    expect([...stat]).toEqual([['usage_usec', 123456789012]]);
  });
});

describe('parsePids (cgroup.procs)', () => {
  it('reads one pid a line', () => {
    expect(parsePids('1\n42\n31337\n')).toEqual([1, 42, 31337]);
    expect(parsePids('')).toEqual([]);
  });
});

describe('the file readers', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sysfs-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };

  it('read a number, a key, the pids; null or none when the file is gone or holds no number', () => {
    expect(readNumber(file('memory.peak', '4096\n'))).toBe(4096);
    expect(readNumber(file('memory.max', 'max\n'))).toBeNull();
    expect(readNumber(path.join(dir, 'missing'))).toBeNull();
    expect(readKeyed(file('cpu.stat', 'usage_usec 2500\nuser_usec 2000\n'), 'usage_usec')).toBe(2500);
    expect(readKeyed(path.join(dir, 'cpu.stat'), 'nr_throttled')).toBeNull();
    expect(readKeyed(path.join(dir, 'missing'), 'usage_usec')).toBeNull();
    expect(readPids(file('cgroup.procs', '7\n8\n'))).toEqual([7, 8]);
    expect(readPids(path.join(dir, 'missing'))).toEqual([]);
  });
});
