//! Talking to the OpenID Connect provider: its discovery document
//! (`/.well-known/openid-configuration`, checked to name the configured issuer), its key set
//! (JWKS, fetched again when a token names a key we do not have, as after a key rotation),
//! and the token endpoint, where the authorization code and the PKCE verifier are exchanged
//! for the ID token. Discovery and keys are cached for an hour; nothing is fetched at
//! start-up, so a provider that is down stops sign-in (with a clear page), not the server.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::id_token::{Jwk, Jwks};
use super::{OidcError, OidcSettings};

/// How long discovery and keys are trusted before they are fetched again.
const CACHE_FOR: Duration = Duration::from_secs(60 * 60);
/// How long one request to the provider may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The parts of the discovery document symflow uses.
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
}

#[derive(Deserialize)]
struct TokenErrorResponse {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// The provider's client, with its caches.
pub struct Provider {
    settings: OidcSettings,
    http: reqwest::Client,
    discovery: Mutex<Option<(Discovery, Instant)>>,
    keys: Mutex<Option<(Vec<Jwk>, Instant)>>,
}

impl Provider {
    pub fn new(settings: OidcSettings) -> Provider {
        Provider {
            settings,
            http: reqwest::Client::builder()
                .timeout(TIMEOUT)
                // The provider's endpoints are used as published; no redirects followed.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client"),
            discovery: Mutex::new(None),
            keys: Mutex::new(None),
        }
    }

    pub fn settings(&self) -> &OidcSettings {
        &self.settings
    }

    async fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<T, OidcError> {
        let unreachable = |why: String| OidcError::ProviderDown {
            url: url.to_string(),
            why,
        };
        let response = self
            .http
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| unreachable(e.without_url().to_string()))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| unreachable(e.without_url().to_string()))?;
        if !status.is_success() {
            return Err(unreachable(format!("HTTP {status}")));
        }
        serde_json::from_slice(&body)
            .map_err(|e| unreachable(format!("not the expected JSON: {e}")))
    }

    /// The discovery document, from the cache or the provider.
    pub async fn discovery(&self) -> Result<Discovery, OidcError> {
        if let Some((doc, at)) = &*self.discovery.lock().unwrap_or_else(|e| e.into_inner()) {
            if at.elapsed() < CACHE_FOR {
                return Ok(doc.clone());
            }
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.settings.issuer.trim_end_matches('/')
        );
        let doc: Discovery = self.get_json(&url).await?;
        // Discovery §4.3: the document must name the issuer it was fetched for.
        if doc.issuer.trim_end_matches('/') != self.settings.issuer.trim_end_matches('/') {
            return Err(OidcError::ProviderMisconfigured(format!(
                "its discovery document names issuer {:?}, but symflow is configured with {:?} (--oidc-issuer must be exactly the provider's issuer)",
                doc.issuer, self.settings.issuer
            )));
        }
        *self.discovery.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((doc.clone(), Instant::now()));
        Ok(doc)
    }

    /// The provider's signing keys; `refresh` fetches them even when cached.
    pub async fn keys(&self, discovery: &Discovery, refresh: bool) -> Result<Vec<Jwk>, OidcError> {
        if !refresh {
            if let Some((keys, at)) = &*self.keys.lock().unwrap_or_else(|e| e.into_inner()) {
                if at.elapsed() < CACHE_FOR {
                    return Ok(keys.clone());
                }
            }
        }
        let jwks: Jwks = self.get_json(&discovery.jwks_uri).await?;
        *self.keys.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((jwks.keys.clone(), Instant::now()));
        Ok(jwks.keys)
    }

    /// Exchanges the authorization code (RFC 6749 §4.1.3, with the PKCE verifier of RFC 7636
    /// §4.5) for the ID token. The client authenticates with HTTP Basic unless the provider
    /// supports only `client_secret_post`; without a secret it sends just its id (a public
    /// client, which PKCE protects).
    pub async fn exchange_code(
        &self,
        discovery: &Discovery,
        code: &str,
        verifier: &str,
    ) -> Result<String, OidcError> {
        let settings = &self.settings;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", settings.redirect_url.as_str()),
            ("code_verifier", verifier),
        ];
        let mut request = self.http.post(&discovery.token_endpoint);
        let methods = discovery
            .token_endpoint_auth_methods_supported
            .clone()
            .unwrap_or_else(|| vec!["client_secret_basic".to_string()]);
        match &settings.client_secret {
            Some(secret)
                if methods.iter().any(|m| m == "client_secret_basic")
                    || !methods.iter().any(|m| m == "client_secret_post") =>
            {
                let encode = |s: &str| {
                    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                };
                let basic = STANDARD.encode(format!(
                    "{}:{}",
                    encode(&settings.client_id),
                    encode(secret)
                ));
                request = request.header("authorization", format!("Basic {basic}"));
            }
            Some(secret) => {
                form.push(("client_id", settings.client_id.as_str()));
                form.push(("client_secret", secret.as_str()));
            }
            None => form.push(("client_id", settings.client_id.as_str())),
        }
        let body = serde_urlencoded::to_string(&form).expect("a form encodes");
        let url = discovery.token_endpoint.clone();
        let response = request
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| OidcError::ProviderDown {
                url: url.clone(),
                why: e.without_url().to_string(),
            })?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| OidcError::ProviderDown {
                url: url.clone(),
                why: e.without_url().to_string(),
            })?;
        if !status.is_success() {
            return Err(match serde_json::from_slice::<TokenErrorResponse>(&bytes) {
                Ok(e) => OidcError::CodeRefused {
                    error: e.error,
                    description: e.error_description.unwrap_or_default(),
                },
                Err(_) => OidcError::ProviderDown {
                    url,
                    why: format!("HTTP {status}"),
                },
            });
        }
        let token: TokenResponse =
            serde_json::from_slice(&bytes).map_err(|e| OidcError::ProviderDown {
                url: url.clone(),
                why: format!("not a token response: {e}"),
            })?;
        token.id_token.ok_or_else(|| {
            OidcError::ProviderMisconfigured(
                "its token response has no id_token (is the `openid` scope allowed for this client?)"
                    .into(),
            )
        })
    }
}
