// The app's TikTok Shop settings, from the environment only. Read per request (cheap), so a
// missing variable fails the connect flow with a logged reason instead of the whole app.
export interface TikTokSettings {
  appKey: string;
  appSecret: string;
  /** The shop API (`/authorization/202309/shops` and the rest). */
  apiBaseUrl: string;
  /** TikTok's auth host: token get and refresh. */
  authBaseUrl: string;
  /** Partner Center's service id: with it the consent link is the services one (`/open/authorize?service_id=`). */
  serviceId?: string;
  /** Where the consent page lives when not on the auth host (TikTok's services site). */
  authorizePageBaseUrl?: string;
  tokenEncryptionKey: string;
}

export class TikTokNotConfiguredError extends Error {
  override readonly name = "TikTokNotConfiguredError";
}

/** Local defaults: `npm run simulate` plays TikTok on :54330. */
const LOCAL_TIKTOK = "http://127.0.0.1:54330";

export function readTikTokSettings(env: Record<string, string | undefined> = process.env): TikTokSettings {
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new TikTokNotConfiguredError(`${name} is not set`);
    return value;
  };
  const settings: TikTokSettings = {
    appKey: required("TIKTOK_APP_KEY"),
    appSecret: required("TIKTOK_APP_SECRET"),
    apiBaseUrl: env.TIKTOK_API_BASE_URL || LOCAL_TIKTOK,
    authBaseUrl: env.TIKTOK_AUTH_BASE_URL || LOCAL_TIKTOK,
    tokenEncryptionKey: required("TIKTOK_TOKEN_ENCRYPTION_KEY"),
  };
  if (env.TIKTOK_SERVICE_ID) settings.serviceId = env.TIKTOK_SERVICE_ID;
  if (env.TIKTOK_AUTHORIZE_PAGE_BASE_URL) settings.authorizePageBaseUrl = env.TIKTOK_AUTHORIZE_PAGE_BASE_URL;
  return settings;
}
