//! The notification chain of a request (spec §4.6): the first `Notification` is
//! posted; when it fails (every destination failed) or times out unanswered, the
//! next one takes over (`request_forward`); when the last one times out, the request
//! expires (`request_expire`). These helpers hold the rules the state machine applies.

use crate::flow::{Destination, Notification};
use crate::run::{DeliveryFailure, Run};

/// Check what `get_request_notifications` / `get_approvers` returned.
pub fn validate(list: &[Notification]) -> Result<(), String> {
    if list.is_empty() {
        return Err("returned no notifications, so the request would reach nobody".to_string());
    }
    for (i, n) in list.iter().enumerate() {
        if n.destinations.is_empty() {
            return Err(format!(
                "returned a Notification without destinations (position {i})"
            ));
        }
        if n.timeout == Some(0) {
            return Err(format!(
                "returned a Notification with a zero timeout (position {i})"
            ));
        }
        for d in &n.destinations {
            if let Destination::SlackGroup(users) = &d.destination {
                if users.is_empty() || users.len() > 7 {
                    return Err(format!(
                        "returned a Slack group of {} users (position {i}); a group DM takes 1 to 7 users",
                        users.len()
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Every destination of notification `index` failed to receive the card.
pub fn all_failed(notification: &Notification, index: usize, failures: &[DeliveryFailure]) -> bool {
    (0..notification.destinations.len()).all(|d| {
        failures
            .iter()
            .any(|f| f.notification_index == index && f.destination_index == d)
    })
}

/// Whether notification `index` of `run` has a later backup.
pub fn has_next(run: &Run, index: usize) -> bool {
    index + 1 < run.notifications.len()
}

/// The destinations of notification `index`, readable: `#sym-requests, <@U1>`.
pub fn describe(run: &Run, index: usize) -> String {
    run.notifications
        .get(index)
        .map(|n| {
            n.destinations
                .iter()
                .map(|d| d.destination.describe())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}
