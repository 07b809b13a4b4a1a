import { useCallback, useEffect, useState } from 'react';
import type { SessionInfo } from '@parta/protocol';
import { useI18n } from '../i18n/index.js';
import { useSession } from '../state/hooks.js';

import { errorText, storeToken } from '../state/client.js';
import { LangSwitch, ScreenHeader } from './common.js';
import { applyTheme, storedTheme, type Theme } from './theme.js';

/** Language, theme, devices and signing out. */
export function SettingsScreen({ onSignOut }: { onSignOut: () => void }) {
  const { t, locale } = useI18n();
  const [session, state] = useSession();
  const [theme, setTheme] = useState<Theme>(storedTheme);
  const [devices, setDevices] = useState<SessionInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    session.client
      .sessions()
      .then((r) => setDevices(r.sessions))
      .catch((err: unknown) => setError(errorText(err)));
  }, [session]);
  useEffect(load, [load]);
  const signOut = (everywhere: boolean) =>
    void session
      .logout(everywhere)
      .catch(() => undefined)
      .finally(() => {
        storeToken(null);
        onSignOut();
      });
  return (
    <div className="screen">
      <ScreenHeader title={t('settings.title')} subtitle={t('settings.account', { login: state.me.login })} />
      <div className="screen-body">
        <section aria-labelledby="s-lang">
          <h2 id="s-lang">{t('settings.language')}</h2>
          <LangSwitch />
        </section>
        <section aria-labelledby="s-theme">
          <h2 id="s-theme">{t('settings.theme')}</h2>
          <div className="segmented" role="group" aria-labelledby="s-theme">
            {(['system', 'light', 'dark'] as const).map((th) => (
              <button
                key={th}
                type="button"
                aria-pressed={theme === th}
                onClick={() => {
                  setTheme(th);
                  applyTheme(th, true);
                }}
              >
                {t(`settings.theme.${th}`)}
              </button>
            ))}
          </div>
        </section>
        <section aria-labelledby="s-devices">
          <h2 id="s-devices">{t('settings.sessions')}</h2>
          {error && <p className="error">{error}</p>}
          <ul className="plain">
            {devices?.map((d) => (
              <li key={d.id} className="row">
                <span>
                  {d.deviceName} <span className="muted small">· {new Date(d.lastSeenAt).toLocaleString(locale)}</span>
                  {d.current && <span className="badge"> {t('settings.current')}</span>}
                </span>
                {!d.current && (
                  <button
                    type="button"
                    onClick={() =>
                      void session.client
                        .revokeSession(d.id)
                        .then(load)
                        .catch((err: unknown) => setError(errorText(err)))
                    }
                  >
                    {t('settings.revoke')}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </section>
        <div className="row wrap">
          <button type="button" onClick={() => signOut(false)}>
            {t('settings.logout')}
          </button>
          <button type="button" className="danger" onClick={() => signOut(true)}>
            {t('settings.logoutAll')}
          </button>
        </div>
      </div>
    </div>
  );
}
