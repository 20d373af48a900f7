//! Blocking work — keyring calls, token and config files, history files —
//! run on tokio's blocking pool, never on the UI task: a keyring can wait
//! on a desktop unlock prompt and a home directory can sit on a slow
//! network mount, and the screen must keep drawing meanwhile. Callers
//! spawn the returned future through their view, so the answer comes back
//! as a message.

/// Runs `work` on a blocking thread; `Err` says the work itself died
/// (a panic), in words for the caller to put in context.
pub async fn run<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| format!("the work stopped unexpectedly: {e}"))
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn work_runs_off_the_calling_thread_and_reports_back() {
        let caller = std::thread::current().id();
        let ran_on = super::run(|| std::thread::current().id()).await.unwrap();
        assert_ne!(ran_on, caller);
        let died = super::run(|| -> u8 { panic!("boom") }).await.unwrap_err();
        assert!(died.contains("stopped unexpectedly"), "{died}");
    }
}
