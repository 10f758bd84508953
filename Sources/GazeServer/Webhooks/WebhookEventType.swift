/// The events a job's webhook receives.
enum WebhookEventType: String, Sendable, CaseIterable {
    case progress = "task.progress"
    case completed = "task.completed"
    case failed = "task.failed"
    case cancelled = "task.cancelled"
}
