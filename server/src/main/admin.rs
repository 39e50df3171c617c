//! `switchboard admin`: commands run on a data folder while no server
//! runs on it. `check`, `backup` and `restore` handle the store's files
//! themselves (see `ops`); every other command opens the store, runs, and
//! flushes it before exiting, even when the command failed.
//!
//! Passwords are only ever read from stdin, never taken as arguments, where
//! other users of the machine could see them.

use crate::cli::{AdminCommand, RoleArg};
use crate::ops;
use anyhow::Context;
use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::time::Duration;
use switchboard_protocol::ids::{AccountId, TeamId};
use switchboard_protocol::model::Role;
use switchboard_server::admin::{self, NewUser};
use switchboard_server::auth;
use switchboard_server::password::{self, Password};
use switchboard_server::store::{Store, TokenKind};

/// Runs `switchboard admin COMMAND` on the store in `data`.
pub(crate) async fn run(data: &Path, command: AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::Backup { to, server } => ops::backup(data, &to, server).await,
        AdminCommand::Restore { from, force } => ops::restore(data, &from, force),
        AdminCommand::Check => {
            let report = crate::open(data)?.check()?;
            println!("store in {} is sound: {report}", data.display());
            Ok(())
        }
        command => {
            let store = crate::open(data)?;
            let result = run_admin(store.as_ref(), command);
            store.flush().context("flushing the store")?;
            result
        }
    }
}

fn run_admin(store: &dyn Store, command: AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::CreateAccount {
            name,
            owner_email,
            owner_name,
            owner_handle,
            password_stdin,
        } => {
            let owner = NewUser {
                email: owner_email,
                name: owner_name,
                handle: owner_handle,
            };
            let hash = password_stdin.then(read_password).transpose()?;
            let (account, owner) = admin::create_account_with_password(store, &name, &owner, hash)?;
            println!("account {} owner {}", account.id, owner.id);
        }
        AdminCommand::CreateTeam {
            account,
            name,
            handle,
            identity,
        } => {
            let team = admin::create_team(store, AccountId(account), &name, &handle, &identity)?;
            println!("team {}", team.id);
        }
        AdminCommand::CreateUser {
            email,
            name,
            handle,
            password_stdin,
        } => {
            let hash = password_stdin.then(read_password).transpose()?;
            let user = admin::create_user_with_password(
                store,
                &NewUser {
                    email,
                    name,
                    handle,
                },
                hash,
            )?;
            println!("user {}", user.id);
        }
        AdminCommand::SetPassword { email } => {
            let hash = read_password()?;
            let user = admin::set_password(store, &email, hash)?;
            // As a change through the API does: the sessions opened with
            // the old password end (the server is not running, so no
            // connection is open).
            let revoked = auth::revoke_sessions(store, user.id, None)?;
            println!(
                "password set for user {}; {} session token(s) revoked",
                user.id,
                revoked.len()
            );
        }
        AdminCommand::AddMember { team, email, role } => {
            let user = store
                .user_by_email(&email)?
                .with_context(|| format!("no user with email {email}"))?;
            let role = match role {
                RoleArg::Manager => Role::Manager,
                RoleArg::Member => Role::Member,
            };
            admin::add_member(store, TeamId(team), user.id, role)?;
            println!("user {} is now {role:?} of team {team}", user.id);
        }
        AdminCommand::Outbox => {
            let mails = store.mails()?;
            if mails.is_empty() {
                println!("the outbox is empty");
            }
            for mail in mails {
                println!("--- mail {} queued at {}", mail.id, mail.queued_at);
                println!("To: {}", mail.to);
                println!("Subject: {}", mail.subject);
                println!();
                println!("{}", mail.body);
            }
        }
        AdminCommand::Check | AdminCommand::Backup { .. } | AdminCommand::Restore { .. } => {
            anyhow::bail!("check, backup and restore run before the store is open")
        }
        AdminCommand::Token { email, ttl_days } => {
            let ttl = (ttl_days > 0).then(|| Duration::from_secs(ttl_days * 24 * 3600));
            // Bot tokens belong to bots (`create_bot`), not to users.
            let (_, token) = admin::token_for_email(store, &email, TokenKind::Session, ttl)?;
            println!("{token}");
        }
    }
    Ok(())
}

/// Reads a password from the first line of stdin and hashes it.
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        // No echo suppression without another dependency: say so.
        eprint!("password (typed text is visible; prefer piping it in): ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    let password = Password::new(line.trim_end_matches(['\n', '\r']));
    Ok(password::hash(&password)?)
}
