package io.usageanalytics.parsing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DimensionsTest {

    private static final Dimensions TENANT_AND_USER = Dimensions.parse(List.of("tenant=header:x-tenant",
            "user=json:/metadata/user_api_key_alias", "app=json:/x_gateway/app", "tag=json:/tags/1"));

    @Test
    void specsAreReadInOrderWithPointerEscapes() {
        Dimensions d = Dimensions.parse(List.of("tenant=header:x-tenant", "odd=json:/a~1b/c~0d"));
        assertThat(d.size()).isEqualTo(2);
        assertThat(d.list().get(0).header()).isEqualTo("x-tenant");
        assertThat(d.list().get(1).pointer()).containsExactly("a/b", "c~d");
        assertThat(d).hasToString("tenant=header:x-tenant, odd=json:/a~1b/c~0d");
        assertThat(d.indexOf("odd")).isEqualTo(1);
        assertThat(d.indexOf("app")).isEqualTo(-1);
        assertThat(d.readsHeader("x-tenant")).isTrue();
        assertThat(d.readsHeader("x-user")).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "Tenant=header:x      | --dimension Tenant=header:x: expected NAME=header:HEADER or NAME=json:POINTER, NAME matching [a-z][a-z0-9_]{0,31}",
        "tenant               | --dimension tenant: expected NAME=header:HEADER or NAME=json:POINTER, NAME matching [a-z][a-z0-9_]{0,31}",
        "a23456789012345678901234567890123=header:x | --dimension a23456789012345678901234567890123=header:x: expected NAME=header:HEADER or NAME=json:POINTER, NAME matching [a-z][a-z0-9_]{0,31}",
        "tenant=header:       | --dimension tenant=header:: the source must be header:HEADER or json:POINTER (an RFC 6901 pointer such as json:/x_gateway/tenant)",
        "tenant=json:tenant   | --dimension tenant=json:tenant: the source must be header:HEADER or json:POINTER (an RFC 6901 pointer such as json:/x_gateway/tenant)",
        "tenant=query:t       | --dimension tenant=query:t: the source must be header:HEADER or json:POINTER (an RFC 6901 pointer such as json:/x_gateway/tenant)",
        "tenant=json:/a~2     | --dimension tenant=json:/a~2: ~ must be escaped as ~0 in a JSON Pointer",
        "m=json:/usage/x      | --dimension m=json:/usage/x: /usage is read by the job itself; point into a field it does not read",
        "m=json:/model        | --dimension m=json:/model: /model is read by the job itself; point into a field it does not read",
    })
    void aBadSpecIsOneLineNamingIt(String spec, String message) {
        assertThatThrownBy(() -> Dimensions.parse(List.of(spec))).hasMessage(message);
    }

    @Test
    void atMostFourDistinctNames() {
        assertThatThrownBy(() -> Dimensions.parse(List.of("a=header:a", "b=header:b", "c=header:c", "d=header:d",
                "e=header:e"))).hasMessage("--dimension is given 5 times, at most 4");
        assertThatThrownBy(() -> Dimensions.parse(List.of("a=header:a", "a=json:/a")))
                .hasMessage("--dimension a=json:/a: a is named twice");
    }

    private static ParsedRecord parse(String json, Map<String, byte[]> headers) {
        LoggedRecord r = LoggedRecord.of(json.getBytes(StandardCharsets.UTF_8));
        r.headers = headers;
        return new LoggedObjectParser(TENANT_AND_USER).parse(r);
    }

    private static String completion(String extra) {
        return "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1767225600,\"model\":\"gpt-4o\",\"choices\":[]"
                + extra + "}";
    }

    private static Map<String, byte[]> tenant(byte[] value) {
        Map<String, byte[]> headers = new LinkedHashMap<>();
        headers.put("x-tenant", value);
        return headers;
    }

    @Test
    void valuesComeFromHeadersAndPointersStringsAsTheyAreNumbersAndBooleansAsJson() {
        ParsedRecord r = parse(completion(",\"metadata\":{\"user_api_key_alias\":\"ci-bot\",\"other\":[1,{}]},"
                + "\"x_gateway\":{\"app\":42.50},\"tags\":[\"a\",true]"), tenant("acme".getBytes(StandardCharsets.UTF_8)));
        assertThat(r.object.dimensions).containsExactly("acme", "ci-bot", "42.50", "true");
    }

    @Test
    void absentNullObjectsAndArraysAreEmpty() {
        assertThat(parse(completion(""), null).object.dimensions).containsExactly("", "", "", "");
        assertThat(parse(completion(",\"metadata\":{\"user_api_key_alias\":null},\"x_gateway\":{\"app\":{\"id\":1}},"
                + "\"tags\":[\"only one\"]"), Map.of()).object.dimensions).containsExactly("", "", "", "");
        // in an object, /tags/1 is the member named 1 (RFC 6901), in an array the element at index 1
        assertThat(parse(completion(",\"metadata\":\"not an object\",\"x_gateway\":{\"app\":[\"x\"]},\"tags\":{\"1\":\"x\"}"),
                tenant(null)).object.dimensions).containsExactly("", "", "", "x");
    }

    @Test
    void aValueOverTheLimitNotUtf8OrHoldingNulIsRejected() {
        assertThat(parse(completion(""), tenant(new byte[] {'a', (byte) 0xff})).reject.toString())
                .contains("invalid_field", "dimension tenant (header:x-tenant) is not valid UTF-8");
        assertThat(parse(completion(""), tenant("a".repeat(257).getBytes(StandardCharsets.UTF_8))).reject.detail)
                .isEqualTo("dimension tenant (header:x-tenant) is 257 characters, limit is 256");
        assertThat(parse(completion(""), tenant(new byte[] {'a', 0})).reject.detail)
                .isEqualTo("dimension tenant (header:x-tenant) contains U+0000, which the warehouse cannot store");
        assertThat(parse(completion(",\"x_gateway\":{\"app\":\"" + "b".repeat(256) + "\"}"), null).object.dimensions[2])
                .hasSize(256);
        assertThat(parse(completion(",\"x_gateway\":{\"app\":\"" + "b".repeat(257) + "\"}"), null).reject.reason)
                .isEqualTo(RejectReason.LIMIT_EXCEEDED);
    }

    @Test
    void aRepeatedPointedFieldIsMalformedAsOtherRepeatedFieldsTheJobReads() {
        ParsedRecord r = parse(completion(",\"x_gateway\":{\"app\":\"a\",\"app\":\"b\"}"), null);
        assertThat(r.reject.reason).isEqualTo(RejectReason.MALFORMED_JSON);
        assertThat(r.reject.detail).isEqualTo("Duplicate field 'app'");
    }

    @Test
    void anInvalidRecordIsRejectedForItsOwnProblemFirst() {
        ParsedRecord r = parse("{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1767225600,\"choices\":[]}",
                tenant(new byte[] {(byte) 0xff}));
        assertThat(r.reject.detail).isEqualTo("model is missing");
    }
}
