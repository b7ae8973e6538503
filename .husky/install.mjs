// Installs the git hooks on `pnpm install`; skipped in CI and production installs (husky's documented recipe).
if (process.env.CI || process.env.NODE_ENV === 'production' || process.env.HUSKY === '0') process.exit(0);
try {
  const { default: husky } = await import('husky');
  const message = husky();
  if (message) console.log(message);
} catch {
  // husky is a dev dependency: absent in a production install.
}
