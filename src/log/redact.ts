// Phone numbers are personal data: logs show only the last four digits unless the operator opts in.
export function redactPhone(value: string | null | undefined, showPii: boolean): string | null {
  if (value == null) return null;
  if (showPii) return value;
  const digits = value.replace(/\D/g, '');
  if (digits.length <= 4) return '****';
  return `${value.startsWith('+') ? '+' : ''}${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
}

// A run of digits with the separators people write numbers with: spaces, dots, dashes, parentheses.
const phoneInText = /\+?\(?\d[\d\s().-]{5,}\d/g;
const ipv4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** Masks phone-number-like runs (7 digits or more) inside free text (SIP URIs, transcripts); an IPv4 address stays. */
export function redactPhonesInText(text: string, showPii: boolean): string {
  if (showPii) return text;
  return text.replace(phoneInText, (m) => {
    if (ipv4.test(m) || m.replace(/\D/g, '').length < 7) return m;
    return redactPhone(m, false) ?? m;
  });
}
