import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { secretResolver } from './secrets.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('secretResolver', () => {
  const env = { OPENAI_API_KEY: 'sk-provider', TOLLGATE_MASTER_KEY: 'sk-tg-master-x', TOLLGATE_DATA_PLANE_TOKEN: 'tg-dp-x', DATABASE_URL: 'postgres://u:p@h/db' };

  it('resolves environment variables and files, naming only the reference when one is missing', () => {
    const file = join(dir, 'key');
    writeFileSync(file, 'sk-from-file\n');
    const secrets = secretResolver(env);
    expect(secrets.resolve('env:OPENAI_API_KEY')).toBe('sk-provider');
    expect(secrets.resolve(`file:${file}`)).toBe('sk-from-file');
    expect(() => secrets.resolve('env:NOPE')).toThrow(expect.objectContaining({ code: 'provider_credential_missing', message: expect.stringContaining('env:NOPE') }));
  });

  it("never resolves the gateway's own secrets or a process's environment, whatever the config says", () => {
    const secrets = secretResolver(env);
    for (const ref of ['env:TOLLGATE_MASTER_KEY', 'env:TOLLGATE_DATA_PLANE_TOKEN', 'env:DATABASE_URL', 'file:/proc/self/environ']) {
      expect(() => secrets.resolve(ref), ref).toThrow(expect.objectContaining({ code: 'provider_credential_missing' }));
    }
    // Saying why, not "empty or unreadable" (the reference may name a real, readable file: a relative path).
    expect(() => secrets.resolve('env:DATABASE_URL')).toThrow(expect.objectContaining({ message: expect.stringContaining("DATABASE_URL is the gateway's own secret") }));
    expect(() => secrets.resolve('file:secrets/llama')).toThrow(expect.objectContaining({ message: expect.stringContaining('a file reference is an absolute path') }));
  });

  it('never reads /proc by another name: a path with .. or //, or a symlink that leads there', () => {
    const secrets = secretResolver(env);
    const link = join(dir, 'environ');
    symlinkSync('/proc/self/environ', link);
    for (const ref of ['file:/dev/../proc/self/environ', 'file://proc/self/environ', 'file:/sys/../proc/self/environ', `file:${link}`, 'file:/dev/stdin']) {
      expect(() => secrets.resolve(ref), ref).toThrow(expect.objectContaining({ code: 'provider_credential_missing' }));
    }
  });
});
