import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Resolves a host name with the system resolver (`getaddrinfo`), off the cooperative thread pool.
///
/// `getaddrinfo` blocks and cannot be interrupted, so it runs on a Dispatch thread and the caller stops waiting
/// at the timeout or on cancellation; a lookup left behind finishes on its own and its answer is dropped.
enum HostLookup {
    enum Failure: Error, Sendable, Equatable {
        /// The resolver answered with an error (`EAI_*`), or with no IPv4 or IPv6 address.
        case notFound(code: Int32)
        case timedOut
        case cancelled
    }

    /// Every IPv4 and IPv6 address `host` resolves to, in the resolver's preference order, without duplicates.
    static func addresses(of host: String, timeout: Duration) async -> Result<[IPAddress], Failure> {
        let rendezvous = Rendezvous()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                rendezvous.install(continuation)
                DispatchQueue.global(qos: .userInitiated).async { rendezvous.deliver(resolve(host)) }
                let (seconds, attoseconds) = timeout.components
                // Capped at a day so the conversion to nanoseconds cannot overflow.
                let nanoseconds = min(max(0, seconds), 86_400) * 1_000_000_000 + max(0, attoseconds) / 1_000_000_000
                DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: nanoseconds))) {
                    rendezvous.deliver(.failure(.timedOut))
                }
            }
        } onCancel: {
            rendezvous.deliver(.failure(.cancelled))
        }
    }

    /// The blocking lookup itself.
    private static func resolve(_ host: String) -> Result<[IPAddress], Failure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let list else { return .failure(.notFound(code: status)) }
        defer { freeaddrinfo(list) }

        var addresses: [IPAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry?.pointee {
            entry = current.ai_next
            guard let socketAddress = current.ai_addr else { continue }
            let address: IPAddress?
            switch current.ai_family {
            case AF_INET:
                // ai_addr points at a sockaddr_in when ai_family is AF_INET (getaddrinfo's contract).
                let raw = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                address = withUnsafeBytes(of: raw) { IPAddress(bytes: $0) }
            case AF_INET6:
                // Likewise a sockaddr_in6 for AF_INET6.
                let raw = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                address = withUnsafeBytes(of: raw) { IPAddress(bytes: $0) }
            default:
                address = nil
            }
            if let address, !addresses.contains(address) { addresses.append(address) }
        }
        return addresses.isEmpty ? .failure(.notFound(code: EAI_NONAME)) : .success(addresses)
    }

    /// Hands the first of the lookup, the timer and cancellation to the waiting task, whichever order they come in.
    private final class Rendezvous: Sendable {
        private enum State {
            case waiting(CheckedContinuation<Result<[IPAddress], Failure>, Never>?)
            case early(Result<[IPAddress], Failure>)
            case done
        }

        private let state = Mutex(State.waiting(nil))

        func install(_ continuation: CheckedContinuation<Result<[IPAddress], Failure>, Never>) {
            let early: Result<[IPAddress], Failure>? = state.withLock { state in
                if case .early(let result) = state {
                    state = .done
                    return result
                }
                state = .waiting(continuation)
                return nil
            }
            if let early { continuation.resume(returning: early) }
        }

        func deliver(_ result: Result<[IPAddress], Failure>) {
            let waiting: CheckedContinuation<Result<[IPAddress], Failure>, Never>? = state.withLock { state in
                switch state {
                case .waiting(let continuation?):
                    state = .done
                    return continuation
                case .waiting(nil):
                    state = .early(result)
                    return nil
                case .early, .done:
                    return nil
                }
            }
            waiting?.resume(returning: result)
        }
    }
}
