// The cgroup v2 paths, which this project's hosts (cgroup v1) never run: deploy/vm/run.sh boots Debian's
// kernel in QEMU on a pure cgroup v2 hierarchy and runs, as root inside it, the sandbox's and testero's
// suites with level `full` promised, then the guest-only v2 checks (src/guest/cgroup-v2.guest.ts).
// Where /dev/kvm is absent this is skipped, saying so; any other missing piece fails.
import { existsSync, readdirSync } from 'node:fs';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { eachLine, repoRoot } from './repo.ts';

const kvm = existsSync('/dev/kvm');
if (!kvm) console.info('[cgroup v2] skipped: /dev/kvm is absent, so no guest is booted on this machine');

/** What the guest needs from the host (scripts/bootstrap.mjs installs it): a clear failure otherwise. */
function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (debootstrap, chroot and the guest disks need it)');
  const path = (process.env.PATH ?? '').split(':');
  for (const tool of ['qemu-system-x86_64', 'debootstrap', 'mkfs.ext4']) {
    if (!path.some((dir) => existsSync(`${dir}/${tool}`)) && !existsSync(`/usr/sbin/${tool}`)) {
      missing.push(
        `${tool} (Debian: ${tool === 'mkfs.ext4' ? 'e2fsprogs' : tool.startsWith('qemu') ? 'qemu-system-x86' : tool})`,
      );
    }
  }
  if (!readdirSync('/boot').some((name) => name.startsWith('vmlinuz-'))) {
    missing.push("a kernel in /boot (Debian's linux-image-amd64)");
  }
  return missing;
}

it.skipIf(!kvm)(
  'passes the sandbox and testero suites and the v2 checks in a cgroup v2 guest, at level full',
  async () => {
    const missing = missingPrerequisites();
    if (missing.length > 0) throw new Error(`the cgroup v2 guest needs: ${missing.join('; ')}`);
    const started = performance.now();
    const child = execa('bash', [`${repoRoot}deploy/vm/run.sh`, `${repoRoot}deploy/vm/jobs/suites.sh`], {
      all: true,
      reject: false,
      stdin: 'ignore',
      env: { VM_TIMEOUT_S: String(55 * 60) },
    });
    // The guest's console, live: the suites take minutes.
    // Each line marked `[vm]`, so that the guest's own test summaries are not taken for this package's.
    eachLine(child.all, (line) => process.stdout.write(`[vm] ${line}\n`));
    const result = await child;
    const output = result.all ?? '';
    const took = (performance.now() - started) / 1000;
    const timings = output
      .split('\n')
      .filter((line) => /^(\[vm\]|::: vm: .* in \d+ s)/.test(line))
      .map((line) => `  ${line.trim()}`);
    console.info(`[cgroup v2] guest run took ${took.toFixed(0)} s, exit ${result.exitCode}:\n${timings.join('\n')}`);

    // Level full on cgroup v2, as the sandbox's own tests printed it.
    expect(output).toMatch(/\[sandbox test\] disable=\[\] isolation level full: .*cgroups=on \(cgroup v2 /);
    expect(output).toMatch(
      /\[cgroup v2\] isolation level full: .*cgroup v2 \(memory, pids\) under \/sys\/fs\/cgroup\//,
    );
    for (const suite of ['sandbox suite', 'testero suite', 'cgroup v2 checks']) {
      expect(output, `${suite} did not pass in the guest`).toMatch(new RegExp(`::: vm: ${suite}.* passed in \\d+ s`));
    }
    expect(result.exitCode).toBe(0);
  },
  60 * 60_000,
);
