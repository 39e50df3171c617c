//! Users outside every team, for grants: the integration tests' `util`
//! (included as it is) names `restricted::outsider`, which lives beside
//! their Restricted Member tests; this is the same helper.

use crate::util::Login;
use switchboard_server::admin::{self, NewUser};
use switchboard_server::store::{Store, TokenKind};

/// A new user with no team, and a token for them.
pub fn outsider(store: &dyn Store, email: &str, name: &str) -> Login {
    let new = NewUser {
        email: email.into(),
        name: name.into(),
        handle: None,
    };
    let user = admin::create_user(store, &new).expect("the user is created");
    let (_, token) = admin::token_for_email(store, email, TokenKind::Session, None)
        .expect("a token for the user");
    Login {
        user: user.id,
        token,
    }
}
