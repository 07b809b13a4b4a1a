/** Colour themes; `system` follows the device. */
export type Theme = 'system' | 'light' | 'dark';
const THEME_KEY = 'parta.theme';

/** The theme chosen on this device. */
export function storedTheme(): Theme {
  const t = localStorage.getItem(THEME_KEY);
  return t === 'light' || t === 'dark' ? t : 'system';
}

/** Applies and remembers a theme. */
export function applyTheme(theme: Theme, remember = false): void {
  if (remember) localStorage.setItem(THEME_KEY, theme);
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}
