import JSONCore
import Testing
@testable import HTTPCore

@Suite struct RouterTests {
    struct Boom: Error {}

    var router: Router {
        var r = Router()
        r.get("/health") { _ in .text("ok") }
        r.get("/runs/:id") { req in .text("run \(req.parameters["id"]!)") }
        r.get("/runs/latest") { _ in .text("latest") }
        r.delete("/runs/:id") { req in .text("deleted \(req.parameters["id"]!)") }
        r.post("/runs") { req in .json(try req.json(), status: .created) }
        r.get("/files/*rest") { req in .text("rest=\(req.parameters["rest"]!)") }
        r.get("/fail") { _ in throw Boom() }
        r.get("/teapot") { _ in throw HTTPProblem(HTTPStatus(code: 418, reasonPhrase: "I'm a teapot"), detail: "short and stout") }
        return r
    }

    func respond(_ method: HTTPMethod, _ target: String, body: String = "") -> HTTPResponse {
        router.respond(to: HTTPRequest(head: headOf(method, target), body: Array(body.utf8)))
    }

    @Test func literalRoute() {
        #expect(respond(.get, "/health").bodyText == "ok")
    }

    @Test func parameterIsCapturedAndDecoded() {
        #expect(respond(.get, "/runs/42").bodyText == "run 42")
        #expect(respond(.get, "/runs/a%20b").bodyText == "run a b")
        #expect(respond(.get, "/runs/42?verbose=1").bodyText == "run 42")
    }

    @Test func literalBeatsParameterWhateverTheOrder() {
        #expect(respond(.get, "/runs/latest").bodyText == "latest")
    }

    @Test func restCapturesTheEncodedRemainder() {
        #expect(respond(.get, "/files/a/b%2Fc").bodyText == "rest=a/b%2Fc")
        #expect(respond(.get, "/files/").bodyText == "rest=")
    }

    @Test func unknownPathIs404Problem() {
        let r = respond(.get, "/nope")
        #expect(r.status == .notFound)
        #expect(r.headers["Content-Type"] == "application/problem+json")
        #expect(respond(.get, "/runs/42/extra").status == .notFound)
        #expect(respond(.get, "/runs/").status == .notFound)  // a parameter is never empty
    }

    @Test func wrongMethodIs405WithAllow() {
        let r = respond(.put, "/runs/7")
        #expect(r.status == .methodNotAllowed)
        // RFC 9110 §15.5.6: Allow MUST be sent; HEAD comes with GET, OPTIONS always.
        #expect(r.headers["Allow"] == "GET, DELETE, HEAD, OPTIONS")
    }

    @Test func headUsesTheGetRoute() {
        #expect(respond(.head, "/runs/3").bodyText == "run 3")  // the connection drops the body
    }

    @Test func optionsListsTheMethods() {
        let r = respond(.options, "/runs")
        #expect(r.status == .noContent)
        #expect(r.headers["Allow"] == "POST, OPTIONS")
        let server = router.respond(to: HTTPRequest(head: headOf(.options, "*")))
        #expect(server.status == .noContent)
        #expect(server.headers["Allow"] == "GET, DELETE, POST, HEAD, OPTIONS")
    }

    @Test func thrownProblemIsTheResponse() {
        let r = respond(.get, "/teapot")
        #expect(r.status.code == 418)
        #expect(r.bodyText.contains("short and stout"))
    }

    @Test func otherErrorsAre500WithoutDetails() {
        let r = respond(.get, "/fail")
        #expect(r.status == .internalServerError)
        #expect(!r.bodyText.contains("Boom"))
    }

    @Test func jsonBodyIsParsedOr400() throws {
        let ok = respond(.post, "/runs", body: #"{"scenario":"four-way-close"}"#)
        #expect(ok.status == .created)
        #expect(try JSON.parse(bytes: ok.body)["scenario"] == "four-way-close")
        let bad = respond(.post, "/runs", body: "{oops")
        #expect(bad.status == .badRequest)
        #expect(bad.headers["Content-Type"] == "application/problem+json")
    }

    @Test func queryItemsAreDecoded() {
        let request = HTTPRequest(head: headOf(.get, "/s?q=a+b%21&empty=&flag&q=2"))
        #expect(request.query("q") == "a b!")
        #expect(request.query("empty") == "")
        #expect(request.query("flag") == "")
        #expect(request.queryItems.count == 4)
    }

    @Test func mostSpecificPatternForTheMethodWins() {
        // A catch-all GET and a POST-only literal: GET on the literal falls to the catch-all,
        // as in Go's ServeMux.
        var r = Router()
        r.post("/upload") { _ in .text("posted") }
        r.get("/*path") { req in .text("static \(req.parameters["path"]!)") }
        #expect(r.respond(to: HTTPRequest(head: headOf(.get, "/upload"))).bodyText == "static upload")
        #expect(r.respond(to: HTTPRequest(head: headOf(.post, "/upload"))).bodyText == "posted")
        #expect(r.respond(to: HTTPRequest(head: headOf(.put, "/upload"))).headers["Allow"] == "POST, GET, HEAD, OPTIONS")
    }
}
