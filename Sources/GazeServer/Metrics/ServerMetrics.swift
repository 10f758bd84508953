import CoreMetrics
import Foundation
import GazeEngine
import Prometheus

/// The server's Prometheus metrics: jobs by status and queue depth (read from the database when scraped),
/// stage durations, and webhook deliveries and failures.
///
/// Metrics are made through swift-metrics with an explicit Prometheus factory, so each server instance (and
/// each test) has its own registry; `gaze-server serve` also bootstraps the process-wide system with it, which
/// adds Hummingbird's per-request metrics.
final class ServerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    private let stageTimers: [Stage: CoreMetrics.Timer]
    private let jobGauges: [JobStatus: CoreMetrics.Gauge]
    private let queueDepth: CoreMetrics.Gauge
    let webhookDeliveries: CoreMetrics.Counter
    let webhookFailures: CoreMetrics.Counter

    init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        let buckets: [Duration] = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600].map { .milliseconds(Int64($0 * 1000)) }
        factory.durationHistogramBuckets = ["gaze_stage_duration_seconds": buckets]
        self.factory = factory
        stageTimers = Dictionary(uniqueKeysWithValues: Stage.allCases.map {
            ($0, CoreMetrics.Timer(label: "gaze_stage_duration_seconds", dimensions: [("stage", $0.rawValue)],
                               preferredDisplayUnit: .seconds, factory: factory))
        })
        jobGauges = Dictionary(uniqueKeysWithValues: JobStatus.allCases.map {
            ($0, CoreMetrics.Gauge(label: "gaze_jobs", dimensions: [("status", $0.rawValue)], factory: factory))
        })
        queueDepth = CoreMetrics.Gauge(label: "gaze_queue_depth", factory: factory)
        webhookDeliveries = CoreMetrics.Counter(label: "gaze_webhook_deliveries_total", factory: factory)
        webhookFailures = CoreMetrics.Counter(label: "gaze_webhook_failures_total", factory: factory)
    }

    func recordStage(_ stage: Stage, since start: ContinuousClock.Instant) {
        stageTimers[stage]?.recordInterval(since: start)
    }

    func recordStage(_ stage: Stage, seconds: Double) {
        stageTimers[stage]?.recordNanoseconds(Int64(seconds * 1e9))
    }

    /// The exposition text, with the job gauges refreshed from `counts` first.
    func exposition(counts: [JobStatus: Int]) -> String {
        for (status, gauge) in jobGauges { gauge.record(counts[status] ?? 0) }
        queueDepth.record((counts[.queued] ?? 0) + (counts[.ingesting] ?? 0))
        return registry.emitToString()
    }
}

extension CoreMetrics.Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
