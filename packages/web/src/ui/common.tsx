import { useEffect, useRef, type ReactNode } from 'react';
import type { Role } from '@parta/protocol';
import { useI18n, type StringKey } from '../i18n/index.js';
import { href } from '../state/route.js';
import { Icon } from './icons.js';

/** Russian ⇄ English. */
export function LangSwitch() {
  const { lang, setLang } = useI18n();
  return (
    <div className="segmented" role="group" aria-label="Язык / Language">
      <button type="button" aria-pressed={lang === 'ru'} onClick={() => setLang('ru')}>
        RU
      </button>
      <button type="button" aria-pressed={lang === 'en'} onClick={() => setLang('en')}>
        EN
      </button>
    </div>
  );
}

/** A modal dialog: focus moves in and comes back, Escape and the backdrop close it. */
export function Dialog({
  title,
  onClose,
  children,
  wide,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>('input, button:not(.dialog-close), select, textarea, [tabindex]');
    (first ?? ref.current)?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
      if (e.key === 'Tab' && ref.current) {
        const items = [
          ...ref.current.querySelectorAll<HTMLElement>('a, button, input, select, textarea, [tabindex]:not([tabindex="-1"])'),
        ].filter((el) => !el.hasAttribute('disabled'));
        if (items.length === 0) return;
        const [firstItem, lastItem] = [items[0]!, items[items.length - 1]!];
        if (e.shiftKey && document.activeElement === firstItem) {
          lastItem.focus();
          e.preventDefault();
        } else if (!e.shiftKey && document.activeElement === lastItem) {
          firstItem.focus();
          e.preventDefault();
        }
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      before?.focus();
    };
  }, [onClose]);
  return (
    <div className="backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={ref}
        className={wide ? 'dialog wide' : 'dialog'}
        role="dialog"
        aria-modal="true"
        aria-labelledby="dialog-title"
        tabIndex={-1}
      >
        <header>
          <h2 id="dialog-title">{title}</h2>
          <button type="button" className="icon dialog-close" aria-label={t('common.close')} onClick={onClose}>
            <Icon name="close" />
          </button>
        </header>
        <div className="dialog-body">{children}</div>
      </div>
    </div>
  );
}

/** Role badges of a person: Учитель, Ученик, Родитель, Администратор, Классный руководитель. */
export function RoleBadges({ roles, homeroom }: { roles: readonly Role[]; homeroom?: boolean }) {
  const { t } = useI18n();
  return (
    <span className="badges">
      {roles.map((r) => (
        <span key={r} className={`badge role-${r}`}>
          {t(`role.${r}` as StringKey)}
        </span>
      ))}
      {homeroom && <span className="badge role-homeroom">{t('role.homeroom')}</span>}
    </span>
  );
}

/** Initials in a coloured circle. */
export function Avatar({ name, id, size = 36 }: { name: string; id: number; size?: number }) {
  const words = name.split(/\s+/).filter((w) => /^[\p{L}\d]/u.test(w));
  const initials = words
    .slice(0, 2)
    .map((w) => (/^\d/.test(w) ? w.replace(/[^\p{L}\d]/gu, '').slice(0, 2) : w[0]!))
    .join('')
    .slice(0, 3)
    .toUpperCase();
  const hue = (id * 47) % 360;
  return (
    <span className="avatar" aria-hidden="true" style={{ width: size, height: size, background: `hsl(${hue} 50% 32%)` }}>
      {initials}
    </span>
  );
}

/** `HH:MM` in the user's locale. */
export function timeOf(ms: number, locale: string): string {
  return new Date(ms).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
}

/** A day's start, local time. */
export function dayKey(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** «Сегодня», «Вчера» or the date. */
export function dayLabel(ms: number, locale: string, t: ReturnType<typeof useI18n>['t']): string {
  const today = dayKey(Date.now());
  const day = dayKey(ms);
  if (day === today) return t('day.today');
  // One day back; up to 25 h when a clock change made the day longer.
  if (today - day > 0 && today - day <= 90_000_000) return t('day.yesterday');
  const d = new Date(ms);
  return d.toLocaleDateString(locale, {
    day: 'numeric',
    month: 'long',
    ...(d.getFullYear() !== new Date().getFullYear() ? { year: 'numeric' } : {}),
  });
}

/** Short time for lists: today's time, or the date. */
export function shortWhen(ms: number, locale: string): string {
  return dayKey(ms) === dayKey(Date.now())
    ? timeOf(ms, locale)
    : new Date(ms).toLocaleDateString(locale, { day: 'numeric', month: 'short' });
}

/** The head of a screen: a way back to the chat list (phones), the title and a line under it. */
export function ScreenHeader({ title, subtitle }: { title: string; subtitle?: string | undefined }) {
  const { t } = useI18n();
  return (
    <header className="chat-head">
      <a className="icon back" href={href({ name: 'home' })} aria-label={t('nav.back')}>
        <Icon name="back" />
      </a>
      <div className="chat-head-text">
        <h1>{title}</h1>
        {subtitle && <p className="muted small">{subtitle}</p>}
      </div>
    </header>
  );
}

/** The last item that matches, searched from the end without copying the list. */
export function lastWhere<T>(items: readonly T[] | null | undefined, pred: (item: T) => boolean): T | undefined {
  for (let i = (items?.length ?? 0) - 1; i >= 0; i--) if (pred(items![i]!)) return items![i];
  return undefined;
}
