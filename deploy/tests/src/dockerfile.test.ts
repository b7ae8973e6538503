import { describe, expect, it } from 'vitest';
import {
  type AppName,
  appReadConfig,
  apps,
  configVariables,
  parseDockerfile,
  propertiesOf,
  type Stage,
  stagesOf,
} from './repo.ts';

// Variables an image sets on purpose to something other than the app's default (the rest of its ENV
// must equal the defaults, so that `docker inspect` documents them truthfully).
const deliberate: Record<AppName, string[]> = {
  'code-runner': ['WEB_ROOT', 'REQUIRE_ISOLATION', 'WORK_DIR', 'SANDBOX_INIT'],
  testero: ['DATADIR'],
};

const secretName = /TOKEN|KEY|PASSWORD|SECRET/i;

function keywords(stage: Stage): string[] {
  return stage.instructions.map((i) => i.getKeyword());
}

function args(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.getKeyword() === keyword).map((i) => i.getArgumentsContent() ?? '');
}

describe.each(apps)('Dockerfile of $name', ({ name, port }) => {
  const stages = stagesOf(parseDockerfile(name));
  const final = stages.at(-1) as Stage;
  const stage = (stageName: string) => {
    const found = stages.find((s) => s.name === stageName);
    if (!found) throw new Error(`no stage "${stageName}" in ${name}.Dockerfile (stages: ${stages.map((s) => s.name)})`);
    return found;
  };

  it('is multi-stage: base, prune, build (code-runner: its toolchains and box-init), then a runtime stage on node:24-bookworm-slim', () => {
    const own = name === 'code-runner' ? ['toolchains', 'box-init'] : [];
    expect(stages.map((s) => s.name)).toEqual(['base', 'prune', 'build', ...own, 'runtime']);
    expect(stage('base').image).toBe('node:24-bookworm-slim');
    expect(final.image).toBe('node:24-bookworm-slim');
  });

  it('prunes the workspace to the app with turbo prune --docker (through build-steps)', () => {
    expect(args(stage('prune'), 'RUN')).toContain(`build-steps prune ${name} /out`);
    expect(args(stage('base'), 'COPY')).toContain('deploy/docker/build-steps.sh /usr/local/bin/build-steps');
  });

  it('installs from out/json with the frozen lockfile before copying the sources, then builds and collects', () => {
    const build = stage('build');
    const steps = build.instructions
      .filter((i) => ['COPY', 'RUN'].includes(i.getKeyword()))
      .map((i) => `${i.getKeyword()} ${i.getArgumentsContent()}`);
    expect(steps).toEqual([
      'COPY /out/json/ ./',
      'RUN build-steps install .',
      'COPY /out/full/ ./',
      `RUN build-steps build ${name} .`,
      `RUN build-steps collect ${name} . /prod`,
    ]);
    // The flags dockerfile-ast keeps apart from the arguments: both copies come from the prune stage.
    expect(build.instructions.filter((i) => i.getKeyword() === 'COPY').map((i) => i.toString())).toEqual([
      'COPY --from=prune /out/json/ ./',
      'COPY --from=prune /out/full/ ./',
    ]);
  });

  it('pins pnpm to the root packageManager version', async () => {
    const { rootPackageJson } = await import('./repo.ts');
    const pnpm = rootPackageJson().packageManager.replace(/^pnpm@/, '');
    expect(args(stage('base'), 'ARG')).toContain(`PNPM_VERSION=${pnpm}`);
  });

  it('keeps only the production files in the final stage and runs the bundle as a non-root user', () => {
    // code-runner also takes its toolchains' list, box-init and warm-box from their stages.
    const own =
      name === 'code-runner' ? ['/toolchains.txt /tmp/toolchains.txt', '/box-init /warm-box /usr/local/libexec/'] : [];
    expect(args(final, 'COPY').toSorted()).toEqual(['/prod/ /app/', ...own].toSorted());
    const users = args(final, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1) as string;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(user.split(':')[0]).not.toBe('0');
    expect(keywords(final).indexOf('USER')).toBeGreaterThan(keywords(final).lastIndexOf('RUN'));
    expect(args(final, 'CMD')).toEqual(['["node", "--enable-source-maps", "dist/main.js"]']);
  });

  it("runs under Debian's tini as PID 1: node never reaps the orphans re-parented to it", () => {
    expect(args(final, 'ENTRYPOINT')).toEqual(['["/usr/bin/tini", "--"]']);
    expect(args(final, 'RUN').join(' ')).toMatch(/apt-get install -y --no-install-recommends[^&]*\stini(\s|$)/);
  });

  it(`exposes the app's default port ${port} and sets it as ENV`, async () => {
    expect(args(final, 'EXPOSE')).toEqual([String(port)]);
    expect(propertiesOf(final, 'ENV').get('PORT')).toBe(String(port));
  });

  it('has a HEALTHCHECK on /healthz and OCI labels', () => {
    const [healthcheck] = args(final, 'HEALTHCHECK');
    expect(healthcheck).toContain('/healthz');
    const labels = propertiesOf(final, 'LABEL');
    for (const key of ['title', 'description', 'version', 'revision', 'base.name']) {
      expect(labels.get(`org.opencontainers.image.${key}`), key).toBeTruthy();
    }
    expect(labels.get('org.opencontainers.image.title')).toBe(name);
  });

  it('puts no secret in ENV, ARG or LABEL', () => {
    for (const s of stages) {
      for (const [key, value] of [...propertiesOf(s, 'ENV'), ...propertiesOf(s, 'LABEL')]) {
        if (secretName.test(key)) expect.fail(`${s.name}: ${key}=${value} looks like a secret baked into the image`);
      }
      for (const arg of args(s, 'ARG')) {
        if (secretName.test(arg.split('=')[0] ?? '')) expect.fail(`${s.name}: ARG ${arg} looks like a secret`);
      }
    }
  });

  it("sets only the app's own variables, each to the app's default unless deliberately changed", async () => {
    const known = new Set([...configVariables(name), 'NODE_ENV']);
    const env = propertiesOf(final, 'ENV');
    const readConfig = await appReadConfig(name);
    for (const [key, value] of env) {
      expect(known, `ENV ${key} is not a variable of apps/${name}/src/config.ts`).toContain(key);
      if (key === 'NODE_ENV' || deliberate[name].includes(key)) continue;
      // Setting the variable to the image's value must change nothing from leaving it unset.
      expect(readConfig({ [key]: value }), `ENV ${key}=${value}`).toEqual(readConfig({}));
    }
  });
});

describe('image specifics', () => {
  it('code-runner requires the isolation its image is built for (namespaces) and carries bubblewrap and the toolchains', async () => {
    const { bootstrapDebianPackages } = await import('./repo.ts');
    const final = stagesOf(parseDockerfile('code-runner')).at(-1) as Stage;
    expect(args(final, 'ARG')).toContain('REQUIRE_ISOLATION=namespaces');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile variable, not a JS template
    expect(propertiesOf(final, 'ENV').get('REQUIRE_ISOLATION')).toBe('${REQUIRE_ISOLATION}');
    const installed = args(final, 'RUN').join(' ');
    for (const pkg of bootstrapDebianPackages().sandbox) {
      expect(installed, `code-runner image lacks Debian package ${pkg}`).toMatch(
        new RegExp(`\\s${pkg.replace(/\+/g, '\\+')}(\\s|$)`),
      );
    }
    // The toolchains: the packages of the languages picked by LANGUAGES (default all), read from the manifest.
    const toolchains = stagesOf(parseDockerfile('code-runner')).find((s) => s.name === 'toolchains') as Stage;
    expect(args(toolchains, 'ARG')).toEqual(['LANGUAGES=all']);
    expect(args(toolchains, 'RUN')).toEqual(['node /languages/src/cli.ts packages "$LANGUAGES" > /toolchains.txt']);
    expect(installed).toContain('$(cat /tmp/toolchains.txt)');
    // box-init and warm-box come built (static) from their own stage: the runtime needs no C compiler for them.
    const boxInit = stagesOf(parseDockerfile('code-runner')).find((s) => s.name === 'box-init') as Stage;
    expect(args(boxInit, 'RUN').at(-1)).toBe(
      'gcc -O2 -Wall -static -o /box-init /src/box-init.c  && gcc -O2 -Wall -static -o /warm-box /src/warm-box.c',
    );
    expect(propertiesOf(final, 'ENV').get('WEB_ROOT')).toBe('/app/web');
  });

  it('testero keeps its data in the /data volume', () => {
    const final = stagesOf(parseDockerfile('testero')).at(-1) as Stage;
    expect(propertiesOf(final, 'ENV').get('DATADIR')).toBe('/data');
    expect(args(final, 'VOLUME')).toEqual(['["/data"]']);
    // Nothing but its init from Debian.
    const installs = [
      ...args(final, 'RUN')
        .join(' ')
        .matchAll(/apt-get install ([^&]*)/g),
    ].map((m) => m[1]?.trim());
    expect(installs).toEqual(['-y --no-install-recommends tini']);
  });
});
