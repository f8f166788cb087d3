import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { editEnvText, formatEnvValue, parseEnvText, writeEnvFile } from './env-file.ts';

describe('.env editing', () => {
  const original = [
    '# Switchboard',
    'OPENAI_API_KEY=sk-abc',
    '',
    'export OPENAI_WEBHOOK_SECRET="whsec_old"',
    'REFER_TO=+19195554321 # the desk',
    "GREETING='Hello,",
    "how can I help?'",
    'OPENAI_WEBHOOK_SECRET=whsec_dup',
  ].join('\n');

  it('replaces a variable where it stands, drops its duplicates, keeps every other line', () => {
    const edited = editEnvText(original, { OPENAI_WEBHOOK_SECRET: 'whsec_new+/=' });
    expect(edited.split('\n')).toEqual([
      '# Switchboard',
      'OPENAI_API_KEY=sk-abc',
      '',
      'OPENAI_WEBHOOK_SECRET=whsec_new+/=',
      'REFER_TO=+19195554321 # the desk',
      "GREETING='Hello,",
      "how can I help?'",
      '',
    ]);
    expect(parseEnvText(edited)).toMatchObject({
      OPENAI_WEBHOOK_SECRET: 'whsec_new+/=',
      GREETING: 'Hello,\nhow can I help?',
      REFER_TO: '+19195554321',
    });
  });

  it('appends new variables, removes with null, replaces a multi-line value whole', () => {
    const edited = editEnvText(original, { GREETING: 'Hi', PUBLIC_URL: 'https://sb.example.com', OPENAI_API_KEY: null });
    expect(edited).not.toContain('how can I help');
    expect(edited).not.toContain('OPENAI_API_KEY');
    expect(edited.trimEnd().split('\n').at(-1)).toBe('PUBLIC_URL=https://sb.example.com');
    expect(parseEnvText(edited)).toMatchObject({ GREETING: 'Hi', PUBLIC_URL: 'https://sb.example.com' });
  });

  it('is a no-op when nothing changes', () => {
    const text = 'A=1\nB=2\n';
    expect(editEnvText(text, { A: '1' })).toBe(text);
    expect(editEnvText('', {})).toBe('');
  });

  it('quotes values that need it so they read back unchanged', () => {
    for (const value of ['plain', 'has space', 'has#hash', "it's", 'a "quote"', '']) {
      expect(parseEnvText(`X=${formatEnvValue(value)}\n`).X).toBe(value);
    }
  });

  it('writes through a rename only when the text changed; a new file is private', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-env-'));
    const path = join(dir, '.env');
    expect(writeEnvFile(path, '', 'A=1\n')).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    writeFileSync(path, 'A=1\n', { mode: 0o640 });
    const mtime = statSync(path).mtimeMs;
    expect(writeEnvFile(path, 'A=1\n', 'A=1\n')).toBe(false);
    expect(statSync(path).mtimeMs).toBe(mtime);
    expect(writeEnvFile(path, 'A=1\n', 'A=2\n')).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('A=2\n');
  });
});
