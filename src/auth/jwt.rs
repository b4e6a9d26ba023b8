//! Signed tokens. HS256 is pinned on both sides, every token expires, and
//! each purpose has its own audience so an invitation link can never serve
//! as a login and a login can never reset a password.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::SecretKey;

/// What a token may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Login,
    Invitation,
    PasswordReset,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Login => "ocop:login",
            Audience::Invitation => "ocop:invitation",
            Audience::PasswordReset => "ocop:password-reset",
        }
    }
}

/// The claims of every token we sign.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Login: the user id. Links: a random nonce (the link row is found by
    /// the token's hash).
    pub sub: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// Login: the user's token version when issued; a bump revokes it.
    #[serde(default)]
    pub ver: i32,
}

/// Keys derived from the instance secret. A derived key rather than the
/// secret itself, so other uses of the secret (stamp codes) stay independent.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(***)")
    }
}

impl TokenKeys {
    pub fn new(secret: &SecretKey) -> TokenKeys {
        let mut h = Sha256::new();
        h.update(b"ocop/jwt/v1\0");
        h.update(secret.as_bytes());
        let key = h.finalize();
        TokenKeys {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
        }
    }

    /// Signs a token for `aud`, valid until `exp` (unix seconds).
    pub fn sign(&self, aud: Audience, sub: &str, ver: i32, exp: i64) -> Result<String, String> {
        let claims = Claims {
            sub: sub.to_owned(),
            aud: aud.as_str().to_owned(),
            iat: chrono::Utc::now().timestamp(),
            exp,
            ver,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| format!("jwt sign: {e}"))
    }

    /// Verifies signature, algorithm, audience and expiry; `None` for any
    /// token that fails, whatever the reason.
    pub fn verify(&self, aud: Audience, token: &str) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[aud.as_str()]);
        validation.set_required_spec_claims(&["exp", "aud", "sub"]);
        validation.leeway = 0;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .ok()
            .map(|d| d.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(s: &str) -> TokenKeys {
        TokenKeys::new(&SecretKey::new(s.as_bytes().to_vec()))
    }

    #[test]
    fn token_is_bound_to_its_audience_key_and_expiry() {
        let k = keys("0123456789abcdef0123456789abcdef");
        let later = chrono::Utc::now().timestamp() + 60;
        let t = k.sign(Audience::Invitation, "n", 0, later).expect("sign");
        assert!(k.verify(Audience::Invitation, &t).is_some());
        assert!(k.verify(Audience::Login, &t).is_none());
        assert!(k.verify(Audience::PasswordReset, &t).is_none());
        assert!(
            keys("another secret of 32 characters!!")
                .verify(Audience::Invitation, &t)
                .is_none()
        );
        let past = k
            .sign(Audience::Login, "1", 0, chrono::Utc::now().timestamp() - 5)
            .expect("sign");
        assert!(k.verify(Audience::Login, &past).is_none());
    }

    #[test]
    fn unsigned_token_is_refused() {
        // {"alg":"none"} with valid-looking claims and no signature.
        let k = keys("0123456789abcdef0123456789abcdef");
        let exp = chrono::Utc::now().timestamp() + 60;
        let header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";
        let body = format!(r#"{{"sub":"1","aud":"ocop:login","iat":0,"exp":{exp},"ver":0}}"#);
        let forged = format!("{header}.{}.", base64url(body.as_bytes()));
        assert!(k.verify(Audience::Login, &forged).is_none());
    }

    fn base64url(data: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in data.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..=chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }
}
