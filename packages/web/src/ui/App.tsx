import { useCallback, useEffect, useMemo, useState } from 'react';
import { I18nContext, type I18n, type Lang, storeLang, storedLang, translator } from '../i18n/index.js';
import { PartaError } from '@parta/sdk';
import { errorText, newClient, storeToken, storedToken } from '../state/client.js';
import { Session } from '../state/session.js';
import { SessionContext } from '../state/hooks.js';
import { Shell } from './Shell.js';
import { SignIn } from './SignIn.js';
import { applyTheme, storedTheme } from './theme.js';

/** The whole app: language, theme, and either the sign-in screen or the signed-in shell. */
export function App() {
  const [lang, setLangState] = useState<Lang>(storedLang);
  const i18n = useMemo<I18n>(
    () => ({
      lang,
      t: translator(lang),
      locale: lang === 'ru' ? 'ru-RU' : 'en-GB',
      setLang: (l) => {
        storeLang(l);
        setLangState(l);
      },
    }),
    [lang],
  );
  useEffect(() => {
    document.documentElement.lang = lang;
    applyTheme(storedTheme());
  }, [lang]);

  const [session, setSession] = useState<Session | null>(null);
  const [booting, setBooting] = useState(() => storedToken() !== null);
  const [error, setError] = useState<string | null>(null);

  const signedOut = useCallback(() => {
    storeToken(null);
    setSession(null);
  }, []);

  const [unreachable, setUnreachable] = useState(false);
  const start = useCallback(
    async (token: string) => {
      setError(null);
      try {
        const s = await Session.open(newClient(token), signedOut);
        storeToken(token);
        setUnreachable(false);
        setSession(s);
        setBooting(false);
      } catch (err) {
        // Only the server saying the session is gone signs out; no network keeps the device signed in.
        if (err instanceof PartaError && (err.code === 'network' || err.status >= 500)) {
          setUnreachable(true);
          return;
        }
        storeToken(null);
        setError(errorText(err));
        setBooting(false);
      }
    },
    [signedOut],
  );

  useEffect(() => {
    const token = storedToken();
    if (token) void start(token);
  }, [start]);

  // While the server cannot be reached, try again every few seconds and when the device is back online.
  useEffect(() => {
    if (!unreachable) return;
    const retry = () => {
      const token = storedToken();
      if (token) void start(token);
    };
    const timer = setInterval(retry, 5_000);
    window.addEventListener('online', retry);
    return () => {
      clearInterval(timer);
      window.removeEventListener('online', retry);
    };
  }, [unreachable, start]);

  return (
    <I18nContext.Provider value={i18n}>
      {session ? (
        <SessionContext.Provider value={session}>
          <Shell onSignOut={signedOut} />
        </SessionContext.Provider>
      ) : booting ? (
        <div className="boot" role="status">
          {unreachable ? i18n.t('conn.unreachable') : i18n.t('common.loading')}
        </div>
      ) : (
        <SignIn onToken={(t) => void start(t)} error={error} />
      )}
    </I18nContext.Provider>
  );
}
