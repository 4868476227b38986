/** `cli:<os user>` for the audit trail; the environment is the fallback where userInfo fails (no passwd entry). */
export function cliActor(username: () => string, env: Record<string, string | undefined>): string {
  let name = '';
  try {
    name = username();
  } catch {
    name = env.USER ?? env.LOGNAME ?? '';
  }
  return `cli:${name || 'unknown'}`;
}
