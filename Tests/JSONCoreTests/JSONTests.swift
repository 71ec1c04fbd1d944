import JSONCore
import Testing

@Suite struct JSONTests {
    @Test func parsesAndWritesDeterministically() throws {
        let text = #"{"b":1,"a":[true,false,null,-2.5,"x\"y\u00e9\n"],"c":{}}"#
        let v = try JSON.parse(text)
        #expect(v.serialized() == #"{"b":1,"a":[true,false,null,-2.5,"x\"yé\n"],"c":{}}"#)
        #expect(v["a"]?[3]?.doubleValue == -2.5)
        #expect(v["b"]?.intValue == 1)
    }

    @Test func surrogatePairs() throws {
        #expect(try JSON.parse(#""\ud83d\ude00""#) == .string("😀"))
    }

    @Test(arguments: [
        ("[1,]", "line 1, column 4: unexpected character ']'"),
        ("{\"a\":1,\"a\":2}", "line 1, column 11: duplicate member \"a\""),
        ("01", "line 1, column 3: leading zero in a number"),
        ("\"abc", "line 1, column 5: unterminated string"),
        ("[1] 2", "line 1, column 5: unexpected text after the JSON value"),
    ])
    func rejectsMalformedInput(text: String, message: String) {
        #expect(throws: JSONParseError.self) { try JSON.parse(text) }
        do { _ = try JSON.parse(text) } catch { #expect(error.description == message) }
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONParseError.self) { try JSON.parse(deep) }
    }

    @Test func integersStayIntegral() throws {
        #expect(JSON.double(3.0).serialized() == "3")
        #expect(JSON.double(0.02).serialized() == "0.02")
        #expect(try JSON.parse("9007199254740993") == .int(9_007_199_254_740_993))
    }
}
