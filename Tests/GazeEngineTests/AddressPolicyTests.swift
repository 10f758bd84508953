import Foundation
import Testing

@testable import GazeEngine

@Suite("AddressPolicy")
struct AddressPolicyTests {
    /// URLs a server must refuse, with the reason it must give. Every spelling `getaddrinfo` or `inet_aton` would
    /// turn into the same address is here, since Foundation passes all of them through unchanged.
    static let refusedURLs: [(String, AddressCategory)] = [
        ("http://127.0.0.1/", .loopback),
        ("http://127.0.0.1:8080/clip.mp4", .loopback),
        ("http://2130706433/", .loopback),
        ("http://0x7f000001/", .loopback),
        ("http://0x7f.0.0.1/", .loopback),
        ("http://0177.0.0.1/", .loopback),
        ("http://017700000001/", .loopback),
        ("http://127.1/", .loopback),
        ("http://127.0.0.1./", .loopback),
        ("http://user:secret@127.0.0.1/", .loopback),
        ("http://[::1]/", .loopback),
        ("http://[0:0:0:0:0:0:0:1]/", .loopback),
        ("http://[::ffff:127.0.0.1]/", .loopback),
        ("http://[::ffff:7f00:1]/", .loopback),
        ("http://[0:0:0:0:0:ffff:127.0.0.1]/", .loopback),
        ("http://[::127.0.0.1]/", .loopback),
        ("http://[64:ff9b::127.0.0.1]/", .loopback),
        ("http://[2002:7f00:1::]/", .loopback),
        ("http://localhost/", .loopback),
        ("http://LOCALHOST:3000/", .loopback),
        ("http://localhost./", .loopback),
        ("http://loc%61lhost/", .loopback),
        ("http://api.localhost/", .loopback),
        ("http://10.0.0.5/", .private),
        ("http://10.1.1/", .private),
        ("http://0xa.1.1.1/", .private),
        ("http://172.16.0.1/", .private),
        ("http://172.31.255.254/", .private),
        ("http://192.168.1.1/", .private),
        ("http://100.64.0.1/", .private),
        ("http://[fc00::1]/", .private),
        ("http://[fd12:3456::1]/", .private),
        ("http://[::ffff:10.0.0.1]/", .private),
        ("http://[64:ff9b::10.0.0.1]/", .private),
        ("http://[2002:c0a8:101::1]/", .private),
        ("http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/", .private),
        ("http://169.254.1.1/", .linkLocal),
        ("http://[fe80::1]/", .linkLocal),
        ("http://169.254.169.254/latest/meta-data/", .cloudMetadata),
        ("http://2852039166/", .cloudMetadata),
        ("http://0xa9fea9fe/", .cloudMetadata),
        ("http://[::ffff:169.254.169.254]/", .cloudMetadata),
        ("http://[::ffff:a9fe:a9fe]/", .cloudMetadata),
        ("http://[fd00:ec2::254]/", .cloudMetadata),
        ("http://100.100.100.200/", .cloudMetadata),
        ("http://224.0.0.1/", .multicast),
        ("http://239.255.255.250/", .multicast),
        ("http://[ff02::1]/", .multicast),
        ("http://0.0.0.0/", .unspecified),
        ("http://0/", .unspecified),
        ("http://0.1.2.3/", .unspecified),
        ("http://[::]/", .unspecified),
        ("http://255.255.255.255/", .broadcast),
        ("http://0xffffffff/", .broadcast),
        ("http://192.0.0.8/", .reserved),
        ("http://192.0.2.1/", .reserved),
        ("http://198.18.0.1/", .reserved),
        ("http://203.0.113.9/", .reserved),
        ("http://240.0.0.1/", .reserved),
        ("http://[2001:db8::1]/", .reserved),
        ("http://[::8.8.8.8]/", .reserved),
        ("http://[100::1]/", .reserved),
    ]

    @Test(arguments: refusedURLs)
    func publicOnlyRefusesNonGlobalHosts(url: String, category: AddressCategory) async throws {
        let refusal = try await Self.refusal(url)
        #expect(refusal?.kind == .notAllowed)
        #expect(refusal?.category == category)
        #expect(refusal?.message(for: "Source URL").hasPrefix("Source URL is not allowed: its host ") == true)
    }

    @Test(arguments: [
        ("2130706433", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("0x7f.0.0.1", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"), ("127.1", "127.0.0.1"), ("10.1.1", "10.1.0.1"), ("1.16777215", "1.255.255.255"),
        ("0x", "0.0.0.0"), ("127.0.0.1.", "127.0.0.1"), ("[::1]", "::1"), ("::FFFF:7F00:1", "::ffff:127.0.0.1"),
        ("[2606:4700:0:0::1111]", "2606:4700::1111"),
    ])
    func addressSpellingsNormalise(text: String, canonical: String) {
        #expect(IPAddress(text)?.description == canonical)
    }

    @Test(arguments: [
        "example.com", "4294967296", "256.0.0.1", "1.2.3.256", "1.2.3.4.5", "08.0.0.1", "1..2", "0x1g", "", "fe80::1%eth0",
        "[::1", "::1::2", "1.2.3.4 extra",
    ])
    func nonAddressesDoNotParse(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test(arguments: ["93.184.215.14", "8.8.8.8", "1.1.1.1", "172.32.0.1", "2606:4700::1111", "2a00:1450:4001:82b::200e",
                      "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:808:808::1"])
    func publicAddressesAreGlobal(text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(address.category == .global)
        #expect(AddressPolicy.publicOnly.refusal(of: address) == nil)
    }

    @Test func publicLiteralsResolveToThemselvesWithoutALookup() async throws {
        let v4 = try await AddressPolicy.publicOnly.resolve(#require(URL(string: "https://8.8.8.8/clip.mp4")))
        #expect(v4 == ResolvedHost(host: "8.8.8.8", address: .v4(0x0808_0808)))
        let v6 = try await AddressPolicy.publicOnly.resolve(#require(URL(string: "http://[2606:4700::1111]:8443/")))
        #expect(v6.host == "2606:4700::1111")
        #expect(v6.address == IPAddress("2606:4700::1111"))
        // A mapped address is connected to as the IPv4 address it stands for.
        let mapped = try await AddressPolicy.publicOnly.resolve(#require(URL(string: "http://[::ffff:8.8.8.8]/")))
        #expect(mapped.address == IPAddress("8.8.8.8"))
    }

    @Test func allowAllLetsLoopbackThroughWithoutPinning() async throws {
        let resolved = try await AddressPolicy.allowAll.resolve(#require(URL(string: "http://127.0.0.1:9/")))
        #expect(resolved == ResolvedHost(host: "127.0.0.1", address: nil))
        let named = try await AddressPolicy.allowAll.resolve(#require(URL(string: "http://localhost/")))
        #expect(named.address == nil)
        #expect(AddressPolicy.allowAll.refusal(of: .v4(0x7F00_0001)) == nil)
    }

    @Test func exceptionsAllowExactlyTheirAddresses() async throws {
        let policy = AddressPolicy.publicOnly.allowing([.v4(0x7F00_0001)])
        let resolved = try await policy.resolve(#require(URL(string: "http://127.0.0.1:8080/")))
        #expect(resolved.address == .v4(0x7F00_0001))
        #expect(try await Self.refusal("http://127.0.0.2/", policy: policy)?.category == .loopback)
        #expect(try await Self.refusal("http://localhost/", policy: policy)?.category == .loopback)
        #expect(try await Self.refusal("http://10.0.0.1/", policy: policy)?.category == .private)
    }

    @Test func messagesNameTheReasonAndTheAddress() async throws {
        #expect(try await Self.refusal("http://0x7f000001/")?.message(for: "Source URL")
            == "Source URL is not allowed: its host is a loopback address (127.0.0.1).")
        #expect(try await Self.refusal("http://[::ffff:a9fe:a9fe]/")?.message(for: "Webhook URL")
            == "Webhook URL is not allowed: its host is a cloud metadata address (::ffff:169.254.169.254).")
        #expect(try await Self.refusal("http://0.0.0.0/")?.description == "its host is an unspecified address (0.0.0.0)")
        #expect(try await Self.refusal("http://localhost./")?.description == "its host is a loopback name (localhost.)")
    }

    @Test func anyRefusedAnswerRefusesTheName() throws {
        let publicAndPrivate: [IPAddress] = [.v4(0x0808_0808), .v4(0x0A00_0005)]
        #expect(throws: URLRefusal(.notAllowed, "its host resolves to a private address (10.0.0.5)",
                                   category: .private, address: .v4(0x0A00_0005))) {
            try AddressPolicy.publicOnly.check(host: "rebind.example", addresses: publicAndPrivate)
        }
        try AddressPolicy.publicOnly.check(host: "cdn.example", addresses: [.v4(0x0808_0808), #require(IPAddress("2606:4700::1111"))])
        try AddressPolicy.allowAll.check(host: "rebind.example", addresses: publicAndPrivate)
    }

    @Test func zoneIDsSchemesAndMissingHostsAreRefused() async throws {
        #expect(try await Self.refusal("http://[fe80::1%25eth0]/")?.description == "its host has an IPv6 zone id (fe80::1%eth0)")
        #expect(try await Self.refusal("ftp://8.8.8.8/")?.kind == .notAllowed)
        #expect(try await Self.refusal("file:///etc/passwd")?.kind == .notAllowed)
        #expect(try await Self.refusal("http:///clip.mp4")?.description == "it has no host")
    }

    @Test(.enabled(if: AddressPolicyTests.loopbackAlias != nil, "/etc/hosts has no loopback name other than localhost"))
    func namesThatResolveToLoopbackAreRefused() async throws {
        let name = try #require(Self.loopbackAlias)
        let refusal = try await Self.refusal("http://\(name):8080/clip.mp4")
        #expect(refusal?.category == .loopback)
        #expect(refusal?.description.hasPrefix("its host resolves to a loopback address (") == true)
    }

    @Test func unresolvableNamesAreUnreachableNotRefused() async throws {
        // .invalid never resolves (RFC 6761); without a network the lookup fails or times out, which is also "unreachable".
        let refusal = try await Self.refusal("http://no-such-host.invalid/", timeout: .seconds(3))
        #expect(refusal?.kind == .unreachable)
        #expect(refusal?.message(for: "Source URL").hasPrefix("Source URL could not be reached: ") == true)
    }

    // MARK: - Support

    /// A name in /etc/hosts for 127.0.0.1 that the name rule does not catch (`vm`, a container's host name), if any.
    static let loopbackAlias: String? = {
        guard let hosts = try? String(contentsOfFile: "/etc/hosts", encoding: .utf8) else { return nil }
        for line in hosts.split(separator: "\n") {
            let fields = (line.split(separator: "#", omittingEmptySubsequences: false).first ?? "")
                .split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, IPAddress(fields[0]) == .v4(0x7F00_0001) else { continue }
            let alias = fields.dropFirst().first { name in
                let name = name.lowercased()
                return name != "localhost" && !name.hasSuffix(".localhost") && IPAddress(name) == nil
            }
            if let alias { return String(alias) }
        }
        return nil
    }()

    /// The refusal `policy` answers `url` with; records an issue if it allows the URL instead.
    static func refusal(
        _ url: String, policy: AddressPolicy = .publicOnly, timeout: Duration = .seconds(10),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> URLRefusal? {
        let parsed = try #require(URL(string: url), sourceLocation: sourceLocation)
        do throws(URLRefusal) {
            let resolved = try await policy.resolve(parsed, timeout: timeout)
            Issue.record("\(url) was allowed (\(resolved))", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }
}
