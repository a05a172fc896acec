//! Activation load for crash tests: worker tasks activate new devices until told to stop or
//! their server is gone, and keep the machine id of every activation whose 201 answer fully
//! arrived (what a client was promised).

use crate::http::activation_body;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

pub struct ActivationLoad {
    answered: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
}

impl ActivationLoad {
    /// `workers` tasks on `key`; worker `w` sends to `urls[w % urls.len()]`; devices `w{w}-{i}`.
    pub fn start(urls: &[String], key: &str, workers: usize) -> ActivationLoad {
        let answered: Arc<Mutex<Vec<String>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let http = reqwest::Client::new();
        let workers = (0..workers)
            .map(|worker| {
                let url = urls[worker % urls.len()].clone();
                let (http, key, answered, stop) = (http.clone(), key.to_owned(), answered.clone(), stop.clone());
                tokio::spawn(async move {
                    for i in 0.. {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let body = activation_body(&key, &format!("w{worker}-{i}"));
                        let Ok(resp) = http.post(format!("{url}/v1/activations")).json(&body).send().await else {
                            break;
                        };
                        if resp.status() != StatusCode::CREATED {
                            continue;
                        }
                        // Only an answer that fully arrived counts as answered.
                        let Ok(v) = resp.json::<Value>().await else { break };
                        answered
                            .lock()
                            .unwrap()
                            .push(v["machine"]["id"].as_str().unwrap().to_string());
                    }
                })
            })
            .collect();
        ActivationLoad {
            answered,
            stop,
            workers,
        }
    }

    /// Activations answered so far.
    pub fn answered(&self) -> usize {
        self.answered.lock().unwrap().len()
    }

    /// The machine ids answered so far (what clients were promised up to now).
    pub fn answered_so_far(&self) -> HashSet<String> {
        self.answered.lock().unwrap().iter().cloned().collect()
    }

    /// Waits until `n` activations were answered, or `limit` passed (the caller checks the count).
    pub async fn wait_for(&self, n: usize, limit: Duration) {
        let deadline = Instant::now() + limit;
        while self.answered() < n && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Stops the workers (those whose server is gone have stopped already); the answered ids.
    pub async fn finish(self) -> HashSet<String> {
        self.stop.store(true, Ordering::Relaxed);
        for worker in self.workers {
            worker.await.unwrap();
        }
        let answered = self.answered.lock().unwrap();
        answered.iter().cloned().collect()
    }
}
