import Foundation
import GRDB
import GazeEngine

/// A job's lifecycle state, as the API names it.
enum JobStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case ingesting, queued, processing, completed, failed, cancelled

    var isTerminal: Bool { self == .completed || self == .failed || self == .cancelled }
    static let active: [JobStatus] = [.ingesting, .queued, .processing]
}

extension Stage: DatabaseValueConvertible {}

/// A table row whose columns are the snake_case forms of its properties.
protocol SnakeCaseRecord: Codable, FetchableRecord, PersistableRecord {}

extension SnakeCaseRecord {
    static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
    static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }
}

/// One row of `jobs`: everything the API shows about a job, plus what the runner needs to resume it.
struct JobRecord: SnakeCaseRecord, Sendable, Equatable {
    static let databaseTableName = "jobs"

    var id: String
    var workspaceId: String
    var status: JobStatus
    var progressPercent: Int
    var progressStage: Stage?
    var sourceUrl: String
    var webhookUrl: String?
    var intensity: Double
    /// Kept as JSON text by GRDB's Codable support.
    var metadata: [String: String]
    var outputWidth: Int?
    var outputHeight: Int?
    var outputDuration: Double?
    var outputBytes: Int64?
    var errorCode: String?
    var errorMessage: String?
    /// How many times ingest or processing started; a job that keeps dying with the process stops retrying.
    var attempts: Int
    var createdAt: Date
    var updatedAt: Date
    var completedAt: Date?
}

/// A workspace: the owner of jobs, tokens and a webhook endpoint.
struct WorkspaceRecord: SnakeCaseRecord, Sendable, Equatable {
    static let databaseTableName = "workspaces"

    var id: String
    var name: String
    var webhookUrl: String?
    var webhookSecret: String
    var createdAt: Date
}

/// A webhook delivery in the outbox: written in the same transaction as the change it reports, then sent.
struct DeliveryRecord: SnakeCaseRecord, Sendable, Equatable {
    static let databaseTableName = "webhook_deliveries"

    enum State: String, Codable, Sendable, DatabaseValueConvertible { case pending, delivered, failed }

    /// The `webhook-id` header: the same on every retry, so receivers can drop duplicates.
    var id: String
    var workspaceId: String
    var jobId: String
    var url: String
    var eventType: String
    var payload: Data
    var state: State
    var attempts: Int
    var nextAttemptAt: Date
    var lastError: String?
    var createdAt: Date
    var deliveredAt: Date?
}
