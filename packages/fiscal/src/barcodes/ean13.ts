/** EAN-13 check digit: weights 1,3,1,3… over the first 12 digits. */
export function ean13CheckDigit(first12: string): number {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10;
}

export function isValidEan13(code: string): boolean {
  return /^\d{13}$/.test(code) && ean13CheckDigit(code.slice(0, 12)) === Number(code[12]);
}

/** Check digit of a short item code inside a weighted barcode (layouts with `k`): same weights. */
export function itemCodeCheckDigit(digits: string): number {
  let sum = 0;
  const n = digits.length;
  for (let i = 0; i < n; i++) sum += Number(digits[n - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10;
}
