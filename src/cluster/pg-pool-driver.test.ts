import { describe, expect, it } from 'vitest';
import { withOptions } from './pg-pool-driver.ts';

describe('withOptions', () => {
  it('adds settings after the options the URL already has, so neither is lost', () => {
    const url = withOptions('postgres://u:p@db:5432/app?options=-c%20search_path%3Dtenant&sslmode=require', { synchronous_commit: 'off' });
    const parsed = new URL(url);
    expect(parsed.searchParams.get('options')).toBe('-c search_path=tenant -c synchronous_commit=off');
    expect(parsed.searchParams.get('sslmode')).toBe('require');
    expect(withOptions('postgres://db/app', {})).toBe('postgres://db/app');
    expect(new URL(withOptions('postgres://db/app', { search_path: 's1' })).searchParams.get('options')).toBe('-c search_path=s1');
  });
});
