//! The connect form's fields and their checks, before anything touches the network.

use crate::client::{ConnectParams, RoomPassword};
use crate::i18n::Lang;
use crate::identity::Fingerprint;
use crate::protocol::Wire;
use crate::protocol::name;

use super::settings::Profile;

/// What the connect form holds, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectForm {
    /// The name to join with.
    pub username: String,
    /// Host name or address.
    pub host: String,
    /// The port, as typed.
    pub port: String,
    /// Coucou (JSON), Plain or the classic C server.
    pub dialect: Wire,
    /// Encrypt (Coucou servers).
    pub encrypted: bool,
    /// The host's pinned fingerprint, once trusted; it counts only while the form still holds
    /// the host and port it was pinned for ([`ConnectForm::pin_now`]).
    pub pin: Option<Fingerprint>,
    /// `host:port` the pin belongs to.
    pub pinned_at: String,
    /// The room password, as typed; never saved.
    pub password: String,
}

/// What is wrong with each field, in words; all `None` when the form is fine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormErrors {
    /// The user name breaks a rule.
    pub username: Option<String>,
    /// The host is empty or has spaces.
    pub host: Option<String>,
    /// The port is not a number from 1 to 65535.
    pub port: Option<String>,
}

impl FormErrors {
    /// True when no field has a problem.
    pub fn is_empty(&self) -> bool {
        self.username.is_none() && self.host.is_none() && self.port.is_none()
    }
}

impl From<&Profile> for ConnectForm {
    fn from(profile: &Profile) -> Self {
        Self {
            username: profile.username.clone(),
            host: profile.host.clone(),
            port: profile.port.to_string(),
            dialect: profile.dialect,
            encrypted: profile.encrypted,
            pin: profile.pin.as_deref().and_then(Fingerprint::from_hex),
            pinned_at: format!("{}:{}", profile.host.trim(), profile.port),
            password: String::new(),
        }
    }
}

impl ConnectForm {
    /// `host:port` as the form holds them now (the port as a number when it is one).
    pub fn target(&self) -> String {
        let port = parse_port(&self.port, Lang::En)
            .map_or_else(|_| self.port.trim().to_owned(), |p| p.to_string());
        format!("{}:{port}", self.host.trim())
    }

    /// The pin, if it belongs to the host and port in the form now: typing another address
    /// leaves the old room's pin behind.
    pub fn pin_now(&self) -> Option<Fingerprint> {
        self.pin.filter(|_| self.pinned_at == self.target())
    }

    /// Pins `fingerprint` for the host and port in the form now.
    pub fn set_pin(&mut self, fingerprint: Option<Fingerprint>) {
        self.pin = fingerprint;
        self.pinned_at = self.target();
    }

    /// The form as a profile called `name` (the port falls back to 4444 when not a number).
    pub fn to_profile(&self, name: &str) -> Profile {
        Profile {
            name: name.trim().to_owned(),
            username: self.username.trim().to_owned(),
            host: self.host.trim().to_owned(),
            port: self
                .port
                .trim()
                .parse()
                .unwrap_or(crate::protocol::DEFAULT_PORT),
            dialect: self.dialect,
            encrypted: self.encrypted,
            pin: self.pin_now().map(|pin| pin.to_hex()),
        }
    }

    /// Checks every field; on success, what to connect to.
    /// Every problem is said in `lang`.
    pub fn validate(&self, lang: Lang) -> Result<ConnectParams, FormErrors> {
        let mut errors = FormErrors::default();
        let username = match name::validate(&self.username) {
            Ok(name) => Some(name),
            Err(err) => {
                errors.username = Some(capitalise(&err.describe(lang)));
                None
            }
        };
        let host = self.host.trim();
        if host.is_empty() {
            errors.host = Some(lang.tr("form-host-empty"));
        } else if host.contains(char::is_whitespace) {
            errors.host = Some(lang.tr("form-host-spaces"));
        }
        let port = match parse_port(&self.port, lang) {
            Ok(port) => Some(port),
            Err(err) => {
                errors.port = Some(err);
                None
            }
        };
        match (username, port) {
            (Some(name), Some(port)) if errors.is_empty() => Ok(ConnectParams {
                tls: self.encrypted && self.dialect == Wire::Json,
                pin: self.pin_now(),
                password: (!self.password.is_empty())
                    .then(|| RoomPassword::Typed(self.password.clone())),
                // A password that checks out proves the room, found on the network or typed
                // by address alike.
                trust_if_verified: true,
                ..ConnectParams::new(host, port, name, self.dialect)
            }),
            _ => Err(errors),
        }
    }
}

/// A port from 1 to 65535.
pub fn parse_port(text: &str, lang: Lang) -> Result<u16, String> {
    match text.trim().parse::<u32>() {
        Ok(port @ 1..=65535) => Ok(u16::try_from(port).unwrap_or(crate::protocol::DEFAULT_PORT)),
        _ => Err(lang.tr("form-port")),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>() + ".",
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(username: &str, host: &str, port: &str) -> ConnectForm {
        ConnectForm {
            username: username.into(),
            host: host.into(),
            port: port.into(),
            dialect: Wire::Json,
            encrypted: true,
            pin: None,
            pinned_at: String::new(),
            password: String::new(),
        }
    }

    #[test]
    fn a_good_form_gives_connect_params() {
        let params = form(" alice ", " 10.0.0.2 ", "4444").validate(Lang::En);
        assert_eq!(
            params,
            Ok(ConnectParams {
                // Only ever used with a password: one that checks out proves the room.
                trust_if_verified: true,
                ..ConnectParams::new("10.0.0.2", 4444, "alice", Wire::Json)
            })
        );
        assert!(ConnectParams::new("h", 1, "a", Wire::Json).tls);
    }

    #[test]
    fn a_password_and_a_pin_reach_the_connection_and_only_json_is_encrypted() {
        let mut form = form("alice", "10.0.0.2", "4444");
        let pin = Fingerprint::of(b"cert");
        form.set_pin(Some(pin));
        form.password = "secret".into();
        let params = form.validate(Lang::En).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(params.pin, Some(pin));
        assert_eq!(params.password, Some(RoomPassword::Typed("secret".into())));
        assert!(params.trust_if_verified && params.tls);
        let profile = form.to_profile("Salle");
        assert_eq!(profile.pin, Some(pin.to_hex()));
        assert_eq!(ConnectForm::from(&profile).pin, Some(pin));
        assert!(
            ConnectForm::from(&profile).password.is_empty(),
            "never saved"
        );
        form.dialect = Wire::Plain;
        assert!(
            !form
                .validate(Lang::En)
                .unwrap_or_else(|e| panic!("{e:?}"))
                .tls
        );
    }

    #[test]
    fn a_pin_stays_with_its_host_and_port() {
        let mut form = form("alice", "10.0.0.2", "4444");
        let pin = Fingerprint::of(b"cert");
        form.set_pin(Some(pin));
        form.host = " 10.0.0.3".into();
        assert_eq!(
            form.validate(Lang::En).map(|p| p.pin),
            Ok(None),
            "another host"
        );
        assert_eq!(form.to_profile("x").pin, None);
        form.host = "10.0.0.2".into();
        form.port = "4445".into();
        assert_eq!(
            form.validate(Lang::En).map(|p| p.pin),
            Ok(None),
            "another port"
        );
        form.port = " 4444 ".into();
        assert_eq!(
            form.validate(Lang::En).map(|p| p.pin),
            Ok(Some(pin)),
            "back to it"
        );
    }

    #[test]
    fn each_field_says_what_is_wrong() {
        let errors = form("a", "my host", "70000")
            .validate(Lang::En)
            .err()
            .unwrap_or_default();
        assert_eq!(
            errors.username.as_deref(),
            Some("A name needs at least 2 characters.")
        );
        assert_eq!(errors.host.as_deref(), Some("An address has no spaces."));
        assert!(errors.port.unwrap_or_default().contains("1 to 65535"));
        for port in ["0", "-1", "abc", ""] {
            assert!(parse_port(port, Lang::En).is_err(), "{port}");
        }
        assert_eq!(parse_port("65535", Lang::En), Ok(65535));
    }
}
