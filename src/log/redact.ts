// Phone numbers are personal data: logs show only the last four digits unless the operator opts in.
export function redactPhone(value: string | null | undefined, showPii: boolean): string | null {
  if (value == null) return null;
  if (showPii) return value;
  const digits = value.replace(/\D/g, '');
  if (digits.length <= 4) return '****';
  return `${value.startsWith('+') ? '+' : ''}${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
}

const phoneInText = /\+?\d[\d\s()-]{5,}\d/g; // no dots: IP addresses are not phone numbers

/** Masks phone-number-like runs inside free text (SIP URIs, transcripts). */
export function redactPhonesInText(text: string, showPii: boolean): string {
  return showPii ? text : text.replace(phoneInText, (m) => redactPhone(m, false) ?? m);
}
