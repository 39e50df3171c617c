//! Applying one op of the stream to the projection: each op is the store
//! method it stands for, called on the node's [`SledStore`].
//!
//! Invariant: applying an op again on top of its own effect (whole or a
//! prefix of its writes, as a crash leaves it; see `SledStore::keep_applied`)
//! leaves the state it left the first time, so a restarted node may resume
//! from the applied sequence its projection recorded:
//! - puts (`Put*`, `AddMember`, `CreateBot`, a batch's `commit`s at their
//!   fixed offsets) write the same records again; a re-put team or user
//!   finds its handle or email its own, not taken; read markers and a
//!   conversation's status only move forward;
//! - `CreateTeam`, `PutTeam`, `StartStream` and batches keep the epoch
//!   already there;
//! - deletes and takes (`RemoveTeam`, `RemoveMembership`, `DeleteToken`,
//!   `TakeInvitation`, `DeleteMail`, `DeleteExpiredSignup`) find nothing the
//!   second time and change nothing; `ConfirmSignup` finds its sign-up
//!   confirmed and changes nothing;
//! - `ReserveIds` alone would move the counter again: it records its
//!   sequence in the same transaction as the counter, so a crash never
//!   leaves it to apply again, and applied again at the sequence recorded
//!   it gives the same block and moves nothing (`apply_tests.rs`).
//!
//! A result given the second time may differ (`None` for a take), but no
//! one waits for it: a restarted node has a new id, and the ops it applies
//! again are not its own.

use super::applier::Applied;
use super::ops::Op;
use crate::store::{
    Blasts, Bots, Directory, Grants, KeyedWrites, Signups, SledStore, StoreResult, Timeline,
    Transfers, Visitors, Webhooks,
};

/// Applies the op at stream sequence `seq` to the projection: what the
/// store method it stands for does and returns.
pub(super) fn apply(store: &SledStore, seq: u64, op: Op) -> StoreResult<Applied> {
    Ok(match op {
        Op::PutAccount(account) => done(store.put_account(&account))?,
        Op::PutTeam { team, epoch } => {
            store.keep_epoch(team.id, epoch)?;
            done(store.put_team(&team))?
        }
        Op::RemoveTeam(team) => Applied::Team(store.remove_team(team)?),
        Op::PutUser(user) => done(store.put_user(&user))?,
        Op::PutMembership { team, user, role } => done(store.put_membership(team, user, role))?,
        Op::RemoveMembership { team, user } => Applied::Role(store.remove_membership(team, user)?),
        Op::PutToken { hash, token } => done(store.put_token(&hash, &token))?,
        Op::DeleteToken(hash) => Applied::Token(store.delete_token(&hash)?),
        Op::PutInvitation { hash, invitation } => done(store.put_invitation(&hash, &invitation))?,
        Op::TakeInvitation(hash) => Applied::Invitation(store.take_invitation(&hash)?),
        Op::PutMail(mail) => done(store.put_mail(&mail))?,
        Op::DeleteMail(id) => Applied::Deleted(store.delete_mail(id)?),
        Op::PutUsageCheckpoint { team, checkpoint } => {
            done(store.put_usage_checkpoint(team, &checkpoint))?
        }
        Op::PutGrant(grant) => done(store.put_grant(&grant))?,
        Op::PutBot(bot) => done(store.put_bot(&bot))?,
        Op::PutVisitor(visitor) => done(store.put_visitor(&visitor))?,
        Op::PutWebhookBridge(bridge) => done(store.put_webhook_bridge(bridge))?,
        Op::PutDeadLetter { team, letter } => done(store.put_dead_letter(team, &letter))?,
        Op::RemoveDeadLetter { team, id } => Applied::Deleted(store.remove_dead_letter(team, id)?),
        Op::PutTransfer(record) => done(store.put_transfer(&record))?,
        Op::PutImportRejects { team, job, rows } => {
            done(store.put_import_rejects(team, job, &rows))?
        }
        Op::PutImportMapping { team, mapping } => done(store.put_import_mapping(team, &mapping))?,
        Op::PutBlast(record) => done(store.put_blast(&record))?,
        Op::PutBlastRecipients {
            team,
            blast,
            recipients,
        } => done(store.put_blast_recipients(team, blast, &recipients))?,
        Op::PutBlastReply {
            team,
            blast,
            contact,
        } => Applied::Deleted(store.put_blast_reply(team, blast, contact)?),
        Op::CreateTeam {
            team,
            epoch,
            owner,
            receipt,
        } => {
            store.keep_epoch(team.id, epoch)?;
            let receipt = receipt.as_ref().map(|r| r.as_receipt());
            done(store.create_team(&team, owner, receipt))?
        }
        Op::AddMember {
            team,
            user,
            role,
            receipt,
        } => {
            let receipt = receipt.as_ref().map(|r| r.as_receipt());
            done(store.add_member(team, user, role, receipt))?
        }
        Op::CreateBot { bot, receipt } => {
            let receipt = receipt.as_ref().map(|r| r.as_receipt());
            done(store.create_bot(&bot, receipt))?
        }
        Op::PutSignup { hash, signup } => done(store.put_signup(&hash, &signup))?,
        Op::ConfirmSignup {
            hash,
            user,
            account,
            now,
        } => Applied::Confirmation(store.confirm_signup(&hash, &user, &account, now)?),
        Op::DeleteExpiredSignup { hash, now } => {
            Applied::Deleted(store.delete_expired_signup(&hash, now)?)
        }
        // The one op that is not idempotent: it moves the counter and the
        // applied sequence at once, so it is never applied twice.
        Op::ReserveIds { count } => Applied::Ids(store.reserve_ids(count, seq)?),
        Op::StartStream { team, epoch } => {
            store.keep_epoch(team, epoch)?;
            Applied::Done
        }
        Op::Batch {
            team,
            epoch,
            entries,
        } => {
            store.keep_epoch(team, epoch)?;
            for (offset, entry) in &entries {
                store.commit(team, *offset, entry.as_entry())?;
            }
            Applied::Done
        }
        Op::Fence { .. } => Applied::Done,
    })
}

fn done(result: StoreResult<()>) -> StoreResult<Applied> {
    result.map(|()| Applied::Done)
}
