import Foundation
import Synchronization

/// Time-ordered identifiers (ULID: 48-bit milliseconds + 80 random bits, Crockford base32), so ids sort by
/// creation and make stable pagination cursors.
///
/// Monotonic within a process: two ids made in the same millisecond differ by one in their random part, as
/// the ULID specification's monotonic mode does, so ordering holds even under a burst.
final class ULIDGenerator: Sendable {
    static let shared = ULIDGenerator()
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    private let last = Mutex<(millis: UInt64, random: (hi: UInt16, lo: UInt64))>((0, (0, 0)))

    func next(now: Date = Date()) -> String {
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        let (time, random) = last.withLock { state -> (UInt64, (hi: UInt16, lo: UInt64)) in
            if millis <= state.millis {
                // Same (or an earlier, after a clock step) millisecond: keep the time, count up.
                var (hi, lo) = state.random
                lo &+= 1
                if lo == 0 { hi &+= 1 }
                state.random = (hi, lo)
            } else {
                state = (millis, (UInt16.random(in: 0...UInt16.max), UInt64.random(in: 0...UInt64.max)))
            }
            return (state.millis, state.random)
        }
        // 128 bits, written as 26 base32 digits from the most significant end (the first digit holds 3 bits).
        let high = (time << 16) | UInt64(random.hi)  // 48 time bits + 16 random bits
        let low = random.lo
        var digits = [UInt8](repeating: 0, count: 26)
        for index in 0..<26 {
            let shift = 125 - index * 5  // bit position of this digit's most significant bit, counted from 0
            let value: UInt64
            if shift >= 64 {
                value = high >> UInt64(shift - 64)
            } else if shift + 5 > 64 {
                value = (high << UInt64(64 - shift)) | (low >> UInt64(shift))
            } else {
                value = low >> UInt64(shift)
            }
            digits[index] = Self.alphabet[Int(value & 31)]
        }
        return String(decoding: digits, as: UTF8.self)
    }
}

/// The prefixed ids the API hands out.
enum ID {
    static func task() -> String { "task_" + ULIDGenerator.shared.next() }
    static func workspace() -> String { "ws_" + ULIDGenerator.shared.next() }
    static func message() -> String { "msg_" + ULIDGenerator.shared.next() }
}
