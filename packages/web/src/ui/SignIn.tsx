import { useEffect, useState, type FormEvent } from 'react';
import type { AuthOptions } from '@parta/protocol';
import { useI18n } from '../i18n/index.js';
import { errorText, newClient } from '../state/client.js';
import { LangSwitch } from './common.js';

/** The sign-in screen: Gosuslugi (later) and the development login with the demo users. */
export function SignIn({ onToken, error }: { onToken: (token: string) => void; error: string | null }) {
  const { t } = useI18n();
  const [options, setOptions] = useState<AuthOptions | null>(null);
  const [login, setLogin] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(error);

  useEffect(() => {
    newClient()
      .authOptions()
      .then(setOptions)
      .catch((err: unknown) => setFailure(errorText(err)));
  }, []);

  const signIn = async (value: string) => {
    setBusy(true);
    setFailure(null);
    try {
      const client = newClient();
      const res = await client.devLogin({ login: value.trim(), deviceName: `${t('app.name')} — ${navigator.platform || 'web'}` });
      onToken(res.token);
    } catch (err) {
      setFailure(t('signin.failed', { reason: errorText(err) }));
      setBusy(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (login.trim()) void signIn(login);
  };

  return (
    <main className="signin">
      <div className="signin-card">
        <div className="signin-top">
          <h1>{t('signin.title')}</h1>
          <LangSwitch />
        </div>
        <p className="muted">{t('signin.subtitle')}</p>
        <button type="button" className="esia" disabled title={t('signin.esiaSoon')} aria-describedby="esia-soon">
          {t('signin.esia')}
        </button>
        <p id="esia-soon" className="muted small">
          {t('signin.esiaSoon')}
        </p>
        {options && !options.devLogin && <p>{t('signin.disabled')}</p>}
        {options?.devLogin && (
          <form onSubmit={submit} aria-labelledby="dev-title">
            <h2 id="dev-title">{t('signin.devTitle')}</h2>
            <label htmlFor="login">{t('signin.login')}</label>
            <div className="row">
              <input
                id="login"
                name="login"
                autoComplete="username"
                value={login}
                onChange={(e) => setLogin(e.target.value)}
                autoCapitalize="none"
                spellCheck={false}
              />
              <button type="submit" disabled={busy || !login.trim()}>
                {t('signin.submit')}
              </button>
            </div>
          </form>
        )}
        {failure && (
          <p role="alert" className="error">
            {failure}
          </p>
        )}
        {options && options.demoLogins.length > 0 && (
          <section aria-labelledby="demo-title">
            <h2 id="demo-title">{t('signin.demoLogins')}</h2>
            <ul className="demo-logins">
              {options.demoLogins.map((l) => (
                <li key={l.login}>
                  <button type="button" className="link" disabled={busy} onClick={() => void signIn(l.login)}>
                    <strong>{l.name}</strong>
                    <span className="muted small">
                      {' '}
                      {l.login} · {l.detail}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        )}
      </div>
    </main>
  );
}
