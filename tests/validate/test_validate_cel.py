"""CEL semantics on cel-expr-python with the Kubernetes functions the rules use (`cel_k8s`):
the old evaluator's expression tests, kept as the runtime's conformance suite."""

from __future__ import annotations

from typing import Any

import pytest

from netgen.validate.cel import CelCompileError, CelError, compile_cel

ERROR = "error"


def run(source: str, self_value: Any = None) -> Any:
    try:
        return compile_cel(source).evaluate({"self": self_value})
    except CelError:
        return ERROR


TRUE_EXPRESSIONS = [
    # heterogeneous equality and numbers
    # (mixed-type literals fail type-checking, as in cel-go; `dyn` defers them to run time)
    "dyn(1) == 1.0 && dyn(1u) == 1 && dyn(2.5) > 2",
    "!(dyn(true) == 1) && !(dyn('1') == 1) && null == null && !(dyn(null) == 0)",
    "[1, 'a'] == [1, 'a'] && {'a': [1]} == {'a': [1]} && [1] != [2]",
    "7 / 2 == 3 && -7 / 2 == -3 && -7 % 2 == -1 && 7 % -2 == 1",
    "9223372036854775807 > 0 && -9223372036854775808 < 0",
    "1 in [1, 2] && 'a' in {'a': 1} && !(3 in [1, 2])",
    "'abc' < 'abd' && b'a' < b'b' && false < true",
    "type(1) == int && type('x') == string && type([]) == list && type(1u) == uint",
    # logic with errors: a deciding operand wins over an error
    "{'a': 1}.b == 1 || true",
    "!(false && {'a': 1}.b == 1)",
    "[1, 2].exists(x, x == 1 || x / 0 == 1)",
    "![0, 1].all(x, x == 1 && 1 / x == 1)",
    # macros
    "[1, 2, 3].filter(x, x > 1) == [2, 3] && [1, 2].map(x, x * 10) == [10, 20]",
    "[1, 2, 3].map(x, x > 1, x * 2) == [4, 6] && [1, 2, 1].exists_one(x, x == 2)",
    "has({'a': 1}.a) && !has({'a': 1}.b)",
    # strings (cel-go ext.Strings)
    "'hello'.charAt(1) == 'e' && 'hello'.charAt(5) == ''",
    "'hello'.indexOf('l') == 2 && 'hello'.indexOf('l', 3) == 3 && 'hello'.indexOf('z') == -1",
    "'hello'.lastIndexOf('l') == 3 && 'hello'.lastIndexOf('l', 2) == 2",
    "'HeLLo'.lowerAscii() == 'hello' && 'hello'.upperAscii() == 'HELLO'",
    "'a-b-c'.replace('-', '+') == 'a+b+c' && 'a-b-c'.replace('-', '+', 1) == 'a+b-c'",
    "'a/b/c'.split('/') == ['a', 'b', 'c'] && 'a/b/c'.split('/', 2) == ['a', 'b/c']",
    "'a/b'.split('/', 0) == [] && 'abc'.split('') == ['a', 'b', 'c']",
    "'hello'.substring(1) == 'ello' && 'hello'.substring(1, 3) == 'el'",
    "'  x \\t'.trim() == 'x' && ['a', 'b'].join('-') == 'a-b' && ['a'].join() == 'a'",
    "'abc'.reverse() == 'cba' && 'abc'.contains('b') && 'abc'.startsWith('ab')",
    "'abc'.endsWith('bc') && size('héllo') == 5 && 'héllo'.size() == 5",
    # regex (RE2, with flags inside the pattern)
    "'Foo.Bar'.matches('^(?i)[a-z]+\\\\.[a-z]+$') && matches('abc', 'b')",
    # lists
    # conversions, durations, timestamps
    "int('42') == 42 && int(3.9) == 3 && uint(3) == 3u && double(2) == 2.0",
    "string(42) == '42' && string(true) == 'true' && bool('true') && bytes('a') == b'a'",
    "duration('1h30m') == duration('90m') && duration('1.5s') > duration('1500ms') == false",
    "duration('0s') < duration('1ms') && duration('-1s') < duration('0')",
    "timestamp('2024-01-01T00:00:00Z') < timestamp('2024-01-01T00:00:01Z')",
    "timestamp('2024-01-01T01:00:00+01:00') == timestamp('2024-01-01T00:00:00Z')",
    "timestamp('2024-01-01T00:00:00Z') + duration('1h') == timestamp('2024-01-01T01:00:00Z')",
    "dyn(1) == 1",
    # URL library: Go's ParseRequestURI
    "isURL('https://example.com/a?b=c') && isURL('/absolute/path') && !isURL('example.com')",
    "!isURL('') && !isURL('http://exa mple.com') && !isURL('http://host:port/')",
    "url('https://user@example.com:8443/p%20q?x=1&x=2&y').getScheme() == 'https'",
    "url('oci://registry/image').getScheme() == 'oci' && url('mailto:a@b').getScheme() == 'mailto'",
    # IP / CIDR library
    "isIP('10.0.0.1') && isIP('2001:db8::1') && !isIP('10.0.0.256') && !isIP('01.2.3.4')",
    "!isIP('::ffff:1.2.3.4') && !isIP('fe80::1%eth0') && !isIP('example.com')",
    "isCIDR('10.0.0.0/8') && !isCIDR('10.0.0.0') && !isCIDR('10.0.0.0/33')",
    # format library
    "format.dns1123Label().validate('my-name') == null",
    "format.dns1123Label().validate('My_Name') != null",
    "format.dns1123Label().validate('ok') == null",
    "optional.of(1).value() == 1 && optional.none().orValue(2) == 2",
]


@pytest.mark.parametrize("source", TRUE_EXPRESSIONS)
def test_expression_is_true(source: str) -> None:
    assert run(source) is True


ERROR_EXPRESSIONS = [
    "{'a': 1}.b == 1",
    "dyn(1) + 1.0 == 2.0",
    "dyn(1) + dyn(1u) == 2",
    "9223372036854775807 + 1 > 0",
    "1 / 0 == 0",
    "[1][1] == 1",
    "'abc'.substring(4) == ''",
    "'abc'.charAt(4) == ''",
    "int('4x') == 4",
    "duration('5 seconds') > duration('1s')",
    "url('example.com').getScheme() == ''",
    "optional.none().value() == 1",
    "[1, 2].exists_one(x, x / 0 == 1)",
    "true ? 1 / 0 : 2",
    "dyn(1) < 'a'",
    "{'a': 1, 'a': 2}.size() == 1",
]


@pytest.mark.parametrize("source", ERROR_EXPRESSIONS)
def test_expression_is_a_runtime_error(source: str) -> None:
    assert run(source) == ERROR


COMPILE_ERRORS = [
    "1 + 1.0 == 2.0",
    "1 < 'a'",
    "self.frobnicate()",
    "frobnicate(self)",
    "unknownVariable == 1",
    "self.size(1, 2)",
    "has(self)",
    "self.a ==",
    "Foo{a: 1}",
    "9223372036854775808 > 0",
]


# Kubernetes library functions (and cel-go extensions) that no rule of a shipped CRD uses:
# the old evaluator had them; the runtime's environment keeps only what the rules need, so
# a CRD update that starts using one fails `test_shipped_rule_compiles` by name.
NOT_PROVIDED = [
    "{'a': 1, 'b': 2}.all(k, k in ['a', 'b']) && {'a': 1}.exists(k, v, v == 1)",
    "[10, 20].all(i, v, v == (i + 1) * 10)",
    "'a1b22'.find('[0-9]+') == '1' && 'a1b22'.findAll('[0-9]+') == ['1', '22']",
    "'a1b22c333'.findAll('[0-9]+', 2) == ['1', '22'] && 'abc'.find('z') == ''",
    "[1, 2, 3].isSorted() && ![2, 1].isSorted() && [1, 2, 3].sum() == 6 && [].sum() == 0",
    "[3, 1, 2].min() == 1 && [3, 1, 2].max() == 3 && ['b', 'a'].min() == 'a'",
    "[1, 2, 1].indexOf(1) == 0 && [1, 2, 1].lastIndexOf(1) == 2 && [1].indexOf(5) == -1",
    "[1, 2, 3].slice(1, 3) == [2, 3] && [[1], [2, 3]].flatten() == [1, 2, 3]",
    "url('https://example.com:8443/p').getHost() == 'example.com:8443'",
    "url('https://example.com:8443/p').getHostname() == 'example.com'",
    "url('https://example.com:8443/p').getPort() == '8443'",
    "url('https://[::1]:80/').getHostname() == '::1' && url('https://[::1]/').getPort() == ''",
    "url('https://example.com/p%20q').getEscapedPath() == '/p%20q'",
    "url('https://example.com/?x=1&x=2&y=a+b').getQuery() == {'x': ['1', '2'], 'y': ['a b']}",
    "ip('10.0.0.1').family() == 4 && ip('::1').family() == 6 && ip('::1').isLoopback()",
    "ip('0.0.0.0').isUnspecified() && ip('169.254.1.1').isLinkLocalUnicast()",
    "ip('224.0.0.1').isLinkLocalMulticast() && ip('8.8.8.8').isGlobalUnicast()",
    "ip.isCanonical('2001:db8::1') && !ip.isCanonical('2001:DB8::1')",
    "string(ip('10.0.0.1')) == '10.0.0.1' && ip('10.0.0.1') == ip('10.0.0.1')",
    "cidr('10.0.0.0/8').containsIP('10.1.2.3') && !cidr('10.0.0.0/8').containsIP(ip('11.0.0.1'))",
    "cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16') && cidr('10.1.2.3/8').prefixLength() == 8",
    "cidr('10.1.2.3/8').ip() == ip('10.1.2.3')",
    "cidr('10.1.2.3/8').masked() == cidr('10.0.0.0/8')",
    "!format.dns1123Subdomain().validate('a.b-c.d').hasValue()",
    "!format.dns1123LabelPrefix().validate('prefix-').hasValue()",
    "!format.qualifiedName().validate('example.com/Name_1').hasValue()",
    "!format.labelValue().validate('').hasValue() && format.labelValue().validate('-x').hasValue()",
    "!format.uuid().validate('123e4567-e89b-12d3-a456-426614174000').hasValue()",
    "format.named('dns1035Label').hasValue() && !format.named('nope').hasValue()",
    "format.named('dns1035Label').value().validate('1abc').hasValue()",
]


@pytest.mark.parametrize("source", COMPILE_ERRORS + NOT_PROVIDED)
def test_unsupported_expression_fails_to_compile(source: str) -> None:
    with pytest.raises(CelCompileError):
        compile_cel(source)


def test_self_binding_and_escaped_names() -> None:
    value = {"__namespace__": "prod", "x__dash__y": 1}
    assert run("self.__namespace__ == 'prod' && self.x__dash__y == 1", value) is True


def test_transition_rules_are_recognised() -> None:
    assert compile_cel("self == oldSelf").is_transition_rule
    assert not compile_cel("self == 1").is_transition_rule


def test_macro_variables_do_not_leak() -> None:
    assert run("[1, 2].all(x, x > 0) && [[3]].all(x, x.all(x, x == 3))") is True
    with pytest.raises(CelCompileError):
        compile_cel("[1].all(x, x > 0) && x == 1")
