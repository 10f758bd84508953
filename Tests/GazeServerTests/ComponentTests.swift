import Foundation
import Testing
@testable import GazeServer

/// The small parts the API's guarantees rest on.
struct ComponentTests {
    @Test func idsAreULIDsThatSortByCreation() {
        let generator = ULIDGenerator()
        let ids = (0..<2000).map { _ in generator.next() }
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == 26 && $0.allSatisfy { "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains($0) } })
        // The first ten characters are the millisecond time.
        let early = ULIDGenerator().next(now: Date(timeIntervalSince1970: 1_600_000_000))
        let late = ULIDGenerator().next(now: Date(timeIntervalSince1970: 1_700_000_000))
        #expect(early.prefix(10) < late.prefix(10))
        #expect(ULIDGenerator().next(now: Date(timeIntervalSince1970: 0)).hasPrefix("0000000000"))
    }

    @Test func webhookSignaturesMatchTheStandardWebhooksExample() throws {
        // The example from the Standard Webhooks specification.
        let signer = try #require(WebhookSigner(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let signature = signer.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330,
                                         body: Data(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(WebhookSigner(secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == nil)
        #expect(WebhookSigner(secret: "whsec_!!!") == nil)
    }

    @Test func artifactSignaturesCoverPathAndExpiry() {
        let signer = URLSigner(key: .init(size: .bits256))
        let now = Date(timeIntervalSince1970: 1_000_000)
        let signature = signer.signature(path: "/v1/artifacts/task_A/output.mp4", expires: 1_000_060)
        #expect(signer.verify(path: "/v1/artifacts/task_A/output.mp4", expires: 1_000_060, signature: signature, now: now) == .valid)
        #expect(signer.verify(path: "/v1/artifacts/task_B/output.mp4", expires: 1_000_060, signature: signature, now: now) == .invalid)
        #expect(signer.verify(path: "/v1/artifacts/task_A/output.mp4", expires: 1_000_061, signature: signature, now: now) == .invalid)
        #expect(signer.verify(path: "/v1/artifacts/task_A/output.mp4", expires: 1_000_060, signature: signature,
                              now: now.addingTimeInterval(61)) == .expired)
        #expect(signer.verify(path: "/v1/artifacts/task_A/output.mp4", expires: nil, signature: signature, now: now) == .invalid)
        #expect(URLSigner(key: .init(size: .bits256)).verify(path: "/v1/artifacts/task_A/output.mp4", expires: 1_000_060,
                                                              signature: signature, now: now) == .invalid)
    }

    @Test(arguments: [
        ("bytes=0-99", ByteRange.partial(0...99)), ("bytes=100-", .partial(100...999)), ("bytes=-100", .partial(900...999)),
        ("bytes=990-2000", .partial(990...999)), ("bytes=1000-", .unsatisfiable), ("bytes=-0", .unsatisfiable),
        ("bytes=5-3", .whole), ("bytes=0-1,5-6", .whole), ("items=0-1", .whole), ("bytes=x-y", .whole),
        ("bytes=-2000", .partial(0...999)),
    ])
    func rangeHeaders(header: String, expected: ByteRange) {
        #expect(ByteRange.parse(header, size: 1000) == expected)
    }

    @Test func theRequestFingerprintIgnoresSpellingButNotContent() throws {
        let a = try CreateTaskRequest(json: Data(#"{"source_url":"https://a.example/x.mp4","metadata":{"a":"1","b":"2"}}"#.utf8))
        let b = try CreateTaskRequest(json: Data(#"{ "metadata": {"b": "2", "a": "1"}, "source_url": "https://a.example/x.mp4", "intensity": 1 }"#.utf8))
        let c = try CreateTaskRequest(json: Data(#"{"source_url":"https://a.example/x.mp4","metadata":{"a":"1","b":"3"}}"#.utf8))
        let d = try CreateTaskRequest(json: Data(#"{"source_url":"https://a.example/x.mp4","metadata":{"a":"1;b","b":"2"}}"#.utf8))
        #expect(a.fingerprint == b.fingerprint)
        #expect(a.fingerprint != c.fingerprint)
        #expect(a.fingerprint != d.fingerprint)
    }
}

/// The doorbell the runner and the webhook dispatcher sleep on: an idle server must really sleep.
struct WakeupTests {
    @Test func waitsUntilTheTimeoutWhenNobodyRings() async {
        let wakeup = Wakeup()
        let start = ContinuousClock.now
        for _ in 0..<5 { await wakeup.wait(upTo: .milliseconds(60)) }
        #expect(ContinuousClock.now - start >= .milliseconds(300))
    }

    @Test func aRingWakesTheWaiterAndAnEarlierRingIsKeptOnce() async {
        let wakeup = Wakeup()
        wakeup.ring()
        wakeup.ring()
        let start = ContinuousClock.now
        await wakeup.wait(upTo: .seconds(30))  // the kept ring: at once
        #expect(ContinuousClock.now - start < .seconds(25))  // well before the 30 s timeout, even on a loaded machine
        let ringer = Task {
            try? await Task.sleep(for: .milliseconds(50))
            wakeup.ring()
        }
        await wakeup.wait(upTo: .seconds(30))  // the ring from the task
        #expect(ContinuousClock.now - start < .seconds(25))  // well before the 30 s timeout, even on a loaded machine
        await ringer.value
        let quiet = ContinuousClock.now
        await wakeup.wait(upTo: .milliseconds(100))  // both rings used up: sleeps
        #expect(ContinuousClock.now - quiet >= .milliseconds(100))
    }

    @Test func cancellingTheWaiterEndsTheWait() async {
        let wakeup = Wakeup()
        let start = ContinuousClock.now
        let waiter = Task { await wakeup.wait(upTo: .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        await waiter.value
        #expect(ContinuousClock.now - start < .seconds(25))  // well before the 30 s timeout, even on a loaded machine
    }

    /// Shutdown cancels the runner's and dispatcher's loops, often inside a database call, which then throws at
    /// once; the loop's next wait starts in a cancelled task, where its timer may end before it has suspended. That
    /// wait must end at once, not sleep until a ring that never comes (graceful shutdown hung on it).
    @Test func aWaitStartedAfterCancellationEndsAtOnce() async {
        let wakeup = Wakeup()
        let waiter = Task(executorPreference: ChildFirstExecutor()) {
            withUnsafeCurrentTask { $0?.cancel() }
            await wakeup.wait(upTo: .seconds(3600))
        }
        if !(await finishes(within: .seconds(10)) { await waiter.value }) {
            wakeup.ring()  // lets the stuck waiter go
            Issue.record("a wait in a cancelled task was still sleeping after 10 s")
        }
    }
}
