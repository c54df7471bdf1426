/** Every kind of character a string may hold: non-ASCII (2, 3 and 4 UTF-8 bytes), quotes, backslash, control characters. */
export const ODD_TEXT_FOR_TESTS = 'naïve "quoted" \\ back\u0001\u001f\ttab\nline ✓ 日本 🎉';
