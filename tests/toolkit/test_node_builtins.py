"""Tests for toolkit/runtime/node_builtins.js, the pure-JS Node.js core-module shims.

The script is evaluated in a bare mini-racer V8 context, exactly as the rule harness
does.  Expected values are literals generated with Node.js v20.20.2; the tests
themselves do not need Node.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from py_mini_racer import MiniRacer

BUILTINS_JS = Path(__file__).resolve().parents[2] / "toolkit" / "runtime" / "node_builtins.js"


@pytest.fixture(scope="module")
def mr() -> Iterator[MiniRacer]:
    """One context for the module: the script, then `M` (the modules) and `B` (Buffer)."""
    with MiniRacer() as ctx:
        ctx.eval(BUILTINS_JS.read_text(encoding="utf-8"))
        ctx.eval("globalThis.M = __rulekitNodeBuiltins({}); globalThis.B = M.Buffer;")
        yield ctx


def js(mr: MiniRacer, expr: str) -> Any:
    """Evaluate a JS expression and return its value round-tripped through JSON."""
    raw = mr.eval(f"JSON.stringify({expr})")
    assert isinstance(raw, str), f"{expr!r} did not produce a JSON value: {raw!r}"
    return json.loads(raw)


def js_error(mr: MiniRacer, statement: str) -> dict[str, Any]:
    """Run a statement that must throw; return the error's name, message and code."""
    result = js(
        mr,
        f"""(() => {{
            try {{ {statement}; }}
            catch (e) {{ return {{ name: e.name, message: e.message, code: e.code ?? null,
                                  type: e.constructor.name }}; }}
            return null;
        }})()""",
    )
    assert result is not None, f"{statement!r} did not throw"
    assert isinstance(result, dict)
    return result


def js_str(value: str) -> str:
    """A JS string literal (ASCII-only, so lone surrogates survive the trip)."""
    return json.dumps(value)


def js_arg(value: str | None) -> str:
    """A JS string literal, or `undefined` for None (an omitted optional argument)."""
    return "undefined" if value is None else js_str(value)


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def test_defines_exactly_one_global() -> None:
    with MiniRacer() as ctx:
        before = set(json.loads(str(ctx.eval("JSON.stringify(Reflect.ownKeys(globalThis))"))))
        ctx.eval(BUILTINS_JS.read_text(encoding="utf-8"))
        after = set(json.loads(str(ctx.eval("JSON.stringify(Reflect.ownKeys(globalThis))"))))
        assert after - before == {"__rulekitNodeBuiltins"}
        assert ctx.eval("typeof __rulekitNodeBuiltins") == "function"


def test_factory_returns_the_modules(mr: MiniRacer) -> None:
    assert js(mr, "Object.keys(M).sort()") == sorted(
        ["crypto", "url", "querystring", "util", "buffer", "Buffer", "atob", "btoa"]
    )
    assert js(mr, "M.buffer.Buffer === M.Buffer") is True
    assert js(mr, "typeof M.atob + typeof M.btoa") == "functionfunction"
    assert js(mr, "B.from('a') instanceof Uint8Array") is True
    # Modules are built once per script load; only crypto depends on the options.
    assert js(mr, "__rulekitNodeBuiltins({}).util === M.util") is True


# ---------------------------------------------------------------------------
# crypto: hashes and HMAC
# ---------------------------------------------------------------------------

# JS expressions for the hashed data (`B` is Buffer).
HASH_INPUTS: dict[str, str] = {
    'empty': "''",
    'abc': "'abc'",
    'unicode': "'h\xe9llo \U0001f30d'",
    '1000 bytes': 'B.from(Array.from({ length: 1000 }, (_, i) => (i * 7 + 3) & 255))',
    '3 blocks': "'The quick brown fox jumps over the lazy dog. '.repeat(7)",
    '56 bytes': "'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'",
    '115 bytes': "'x'.repeat(115)",
}

HASH_VECTORS: list[tuple[str, str, str]] = [
    ('md5', 'empty', 'd41d8cd98f00b204e9800998ecf8427e'),
    ('md5', 'abc', '900150983cd24fb0d6963f7d28e17f72'),
    ('md5', 'unicode', 'a4115cc10566f0181d01df50100b37ff'),
    ('md5', '1000 bytes', '10046f077f2082ac19676b8079f1cb1a'),
    ('md5', '3 blocks', '04b03ba58b42114be277268065683b7c'),
    ('md5', '56 bytes', '8215ef0796a20bcaaae116d3876c664a'),
    ('md5', '115 bytes', 'ef30b7a28ba8afd1ee350a6712140657'),
    ('sha1', 'empty', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'),
    ('sha1', 'abc', 'a9993e364706816aba3e25717850c26c9cd0d89d'),
    ('sha1', 'unicode', '3d100d877e936e4baff8c55a424233d2383c315f'),
    ('sha1', '1000 bytes', '4231a8a50a10fa9758db8ec71fdef855b751048a'),
    ('sha1', '3 blocks', '89af0cf38747bb77cb8fd98365081d70db48cb87'),
    ('sha1', '56 bytes', '84983e441c3bd26ebaae4aa1f95129e5e54670f1'),
    ('sha1', '115 bytes', '6e711980ed204c4fb95418cafd673a7280cceb74'),
    ('sha224', 'empty', 'd14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f'),
    ('sha224', 'abc', '23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7'),
    ('sha224', 'unicode', '510628c6d98e87691106d8b401867b161dd8f7840ca7da1d96d19a08'),
    ('sha224', '1000 bytes', '23729dacbd480285c5c68439e2fe22ca5611a63cd6c14d2ec5ae2c85'),
    ('sha224', '3 blocks', 'ee639fa7a04a02566c73b679d0c5295d15f94d2bb6b6ead5bd0fb0b1'),
    ('sha224', '56 bytes', '75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525'),
    ('sha224', '115 bytes', 'dfe06dc4d4c09ba58f77378fb470e78a8b53122da9b15b4c8f66734c'),
    ('sha256', 'empty', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'),
    ('sha256', 'abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'),
    ('sha256', 'unicode', 'cbbcee01a3fc5f1c0db23e02be25316adf28ede876031fdbabe5f4fabe47ed7f'),
    ('sha256', '1000 bytes', '1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371'),
    ('sha256', '3 blocks', 'dababee8658b645e01725be3eab108b2f506b7220e19ef399a18a11ae9e78e66'),
    ('sha256', '56 bytes', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'),
    ('sha256', '115 bytes', 'f323e6db01bbf73b4e0f897837a8aa691b2db5cc5eac6ec2d87a24f82d532f30'),
    (
        'sha384',
        'empty',
        (
            '38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad'
            '2f14898b95b'
        ),
    ),
    (
        'sha384',
        'abc',
        (
            'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358bae'
            'ca134c825a7'
        ),
    ),
    (
        'sha384',
        'unicode',
        (
            '53f746c0bdc6a1d0a57022ed409e1009b7e29bbaae0371f4373239c75b24eb0c81919d552e05b2c06e8ed'
            '08a71eabd20'
        ),
    ),
    (
        'sha384',
        '1000 bytes',
        (
            '94c38db521ca733b8904c2d14b6e82d33dcfcc26e1318c579dbee1fc2f472019034e792263b9d46e90e70'
            '0de2f6e7e91'
        ),
    ),
    (
        'sha384',
        '3 blocks',
        (
            '30fe6f51df534c98c00586db3f638b00fee8416db95068682c46475d0842d6ece578bdf1e5b93ddbc7d64'
            '9cf6b0dc0b3'
        ),
    ),
    (
        'sha384',
        '56 bytes',
        (
            '3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6b0455a8520bc4e6f5fe95'
            'b1fe3c8452b'
        ),
    ),
    (
        'sha384',
        '115 bytes',
        (
            '2e943f2039405036d5451c63ec15df90a1f30a4c223aa2d90829cfcdc6262d43495be958ac075cb1a8eaf'
            '8ec691c63db'
        ),
    ),
    (
        'sha512',
        'empty',
        (
            'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff831'
            '8d2877eec2f63b931bd47417a81a538327af927da3e'
        ),
    ),
    (
        'sha512',
        'abc',
        (
            'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3'
            'c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f'
        ),
    ),
    (
        'sha512',
        'unicode',
        (
            '9e5daf869773579dc4222fd60b0f6ca590cb9249ddfec42d957fe0fd40d79c77fa484e2e6b2dec6d912b7'
            '65d7786f7b461422894a2b9044e2562d949ae990750'
        ),
    ),
    (
        'sha512',
        '1000 bytes',
        (
            '00e36fccf193e59697a92b5ab24666ce6326d7fa16bf10832d0991ddc591112e9dfa6a636950ed9c4d673'
            '44a760654c2ff7785e1d60094d651038735b5dccabd'
        ),
    ),
    (
        'sha512',
        '3 blocks',
        (
            '693b80eeac14efcb80b5071e167983ca93d8a6934f24573964929da52538a9fcdda6d1e1635848ecca623'
            '3cff4a6ac955d8451d56224226e7ed8bb7107560198'
        ),
    ),
    (
        'sha512',
        '56 bytes',
        (
            '204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3'
            'bea57789ca031ad85c7a71dd70354ec631238ca3445'
        ),
    ),
    (
        'sha512',
        '115 bytes',
        (
            'e693f612febbca5417dbee59031108011d817841cfcd9a2bd4096783dcbf684546d82013f90509910d989'
            'acebab3f0ebeb846aaca382be025d5e6102a2468ac2'
        ),
    ),
]

HMAC_KEYS: dict[str, str] = {
    'short': "'key'",
    'long': "'k'.repeat(200)",
    'buffer': 'B.from([0, 1, 2, 255])',
}

HMAC_VECTORS: list[tuple[str, str, str, str]] = [
    ('md5', 'short', 'empty', '63530468a04e386459855da0063b6596'),
    ('md5', 'short', 'unicode', 'a2c21d34e08345bd5a7d92fc27546bc0'),
    ('md5', 'short', '1000 bytes', '5e439fdce95a4bc10a9086013120bff3'),
    ('md5', 'long', 'unicode', 'a5989792027feeb1541296d893bd7c6f'),
    ('md5', 'buffer', 'unicode', 'c0eaf4a4ba31364cff7f2f78fdd57bfb'),
    ('sha1', 'short', 'empty', 'f42bb0eeb018ebbd4597ae7213711ec60760843f'),
    ('sha1', 'short', 'unicode', '4296d5326eab140e61ec420ad8119005ab225cf8'),
    ('sha1', 'short', '1000 bytes', 'e410d587a65be098089e5281e001720a44cceb6c'),
    ('sha1', 'long', 'unicode', '35fa57df1b9fccd3b853158603eaf53dd82261e2'),
    ('sha1', 'buffer', 'unicode', 'ff5525470c347a1ddfc321a0a5ef2f9fa8f0cfd0'),
    ('sha224', 'short', 'empty', '5aa677c13ce1128eeb3a5c01cef7f16557cd0b76d18fd557d6ac3962'),
    ('sha224', 'short', 'unicode', '49a933270fe5f0e6f3bf7c1256cae036c2cc5d825b8e18ac20c52193'),
    ('sha224', 'short', '1000 bytes', 'a978943a3e406603d0c968bbe58dc83841b0b2c290b02f25b9b1834a'),
    ('sha224', 'long', 'unicode', '0e3ed9005c6e42932aca44554b377414ba969fb338a0a5d83459bf07'),
    ('sha224', 'buffer', 'unicode', 'e09492a2b3308094fb7f42cfb26fb02323c964ceca3d409d494cc363'),
    (
        'sha256',
        'short',
        'empty',
        '5d5d139563c95b5967b9bd9a8c9b233a9dedb45072794cd232dc1b74832607d0',
    ),
    (
        'sha256',
        'short',
        'unicode',
        'edfd08d385f1fd01c74c4f288b231a09fe9690aa295543a22c5c78fe85caf8d4',
    ),
    (
        'sha256',
        'short',
        '1000 bytes',
        '30b7fb8eeeae6f980a87bdb8d037fb5cb3b9c86faabefcd72e27f00f0d96ff66',
    ),
    (
        'sha256',
        'long',
        'unicode',
        '5ba4096c2fc177a32d58ad8ff7ccb349b5cfa5b5befca6259653190433fe75ad',
    ),
    (
        'sha256',
        'buffer',
        'unicode',
        'df64a11b72d5c945a9fb69028d8cb383f810c67fe0ccbc3cd6598304df005075',
    ),
    (
        'sha384',
        'short',
        'empty',
        (
            '99f44bb4e73c9d0ef26533596c8d8a32a5f8c10a9b997d30d89a7e35ba1ccf200b985f72431202b891fe3'
            '50da410e43f'
        ),
    ),
    (
        'sha384',
        'short',
        'unicode',
        (
            'eb10983644c48764bd2b4cdb639730c08108783856a828b682f60624b9d048b09943e7ddbb89753168408'
            'ab11eb957d9'
        ),
    ),
    (
        'sha384',
        'short',
        '1000 bytes',
        (
            '7f153bf309d8388686729487264839b3acb45ac9745ee2842af1f1c251de1d476208a45cf7ac1a910f654'
            '4adf7bacd86'
        ),
    ),
    (
        'sha384',
        'long',
        'unicode',
        (
            '6522a910e0535a9cc1545df343c98dcd1bb8891a245234078031da01c56dc847214b977094adb1931103d'
            '6da8305c97c'
        ),
    ),
    (
        'sha384',
        'buffer',
        'unicode',
        (
            'ec0de327645b47b752c07899a3dabb141a1981608c1925aa3751cbf4f4452af059d81f89f4eb1e4e16e05'
            '7d63c27e001'
        ),
    ),
    (
        'sha512',
        'short',
        'empty',
        (
            '84fa5aa0279bbc473267d05a53ea03310a987cecc4c1535ff29b6d76b8f1444a728df3aadb89d4a9a6709'
            'e1998f373566e8f824a8ca93b1821f0b69bc2a2f65e'
        ),
    ),
    (
        'sha512',
        'short',
        'unicode',
        (
            '6d388fda3d8655c2d5eedf3c8ea98caa0c1950ba53d518942deef7f2e2bcaeda475839632c07fae76ec64'
            '5575c947eabfe4398bf97d16abcffeb99fd5806eb4c'
        ),
    ),
    (
        'sha512',
        'short',
        '1000 bytes',
        (
            'f5caf39d10ed807217a8d0fb47be5f4d0dda0e332e0d545f3ec050bd5c68efce85101eccf3a9bd2c05d8a'
            '205c1ac746a6e8a27a49656ab424a84ceef23ba86f5'
        ),
    ),
    (
        'sha512',
        'long',
        'unicode',
        (
            'bebfb58488ac81c98d527714b45a2288585d52cd0a720ed61b7ea3e0d2f4f0c4c6547e955353f6671e34d'
            'c1dde845faec7e13d65a8c269d84febe6ce3fcaa6bb'
        ),
    ),
    (
        'sha512',
        'buffer',
        'unicode',
        (
            '198d962fff9ef15612802f3f442922c92b9bb636339ed9684b8c15f5806db32c89446fa0d30298a3c44cd'
            'e64449d948b96765f688294339e66dc4cfae5bb6315'
        ),
    ),
]


@pytest.mark.parametrize(("algorithm", "data", "expected"), HASH_VECTORS)
def test_hash_vectors(mr: MiniRacer, algorithm: str, data: str, expected: str) -> None:
    source = HASH_INPUTS[data]
    assert js(mr, f"M.crypto.createHash('{algorithm}').update({source}).digest('hex')") == expected


@pytest.mark.parametrize(("algorithm", "key", "data", "expected"), HMAC_VECTORS)
def test_hmac_vectors(mr: MiniRacer, algorithm: str, key: str, data: str, expected: str) -> None:
    expr = f"M.crypto.createHmac('{algorithm}', {HMAC_KEYS[key]}).update({HASH_INPUTS[data]})"
    assert js(mr, f"{expr}.digest('hex')") == expected


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"])
def test_multi_update_equals_single_update(mr: MiniRacer, algorithm: str) -> None:
    # Chunk sizes straddle the 64- and 128-byte block boundaries.
    result = js(
        mr,
        f"""(() => {{
            const data = {HASH_INPUTS["1000 bytes"]};
            const whole = M.crypto.createHash('{algorithm}').update(data).digest('hex');
            const h = M.crypto.createHash('{algorithm}');
            let pos = 0;
            for (const n of [1, 63, 64, 65, 127, 128, 129, 0, 200]) {{
                h.update(data.subarray(pos, pos + n));
                pos += n;
            }}
            h.update(data.subarray(pos));
            const copy = M.crypto.createHash('{algorithm}').update('ab');
            const copied = copy.copy().update('c').digest('hex');
            const direct = M.crypto.createHash('{algorithm}').update('abc').digest('hex');
            return [whole, h.digest('hex'), copied === direct];
        }})()""",
    )
    expected = dict(((a, d), e) for a, d, e in HASH_VECTORS)[(algorithm, "1000 bytes")]
    assert result == [expected, expected, True]


DIGEST_ENCODINGS: list[tuple[str, str | list[int]]] = [
    ('hex', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'),
    ('base64', 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='),
    ('base64url', 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0'),
    (
        'latin1',
        (
            '\xbax\x16\xbf\x8f\x01\xcf\xeaAA@\xde]\xae"#\xb0\x03a\xa3\x96\x17z\x9c\xb4\x10\xffa'
            '\xf2\x00\x15\xad'
        ),
    ),
    (
        'binary',
        (
            '\xbax\x16\xbf\x8f\x01\xcf\xeaAA@\xde]\xae"#\xb0\x03a\xa3\x96\x17z\x9c\xb4\x10\xffa'
            '\xf2\x00\x15\xad'
        ),
    ),
    (
        'buffer',
        [
            186,
            120,
            22,
            191,
            143,
            1,
            207,
            234,
            65,
            65,
            64,
            222,
            93,
            174,
            34,
            35,
            176,
            3,
            97,
            163,
            150,
            23,
            122,
            156,
            180,
            16,
            255,
            97,
            242,
            0,
            21,
            173,
        ],
    ),
]


@pytest.mark.parametrize(("encoding", "expected"), DIGEST_ENCODINGS)
def test_digest_output_encodings(mr: MiniRacer, encoding: str, expected: str | list[int]) -> None:
    hash_expr = "M.crypto.createHash('sha256').update('abc')"
    if encoding == "buffer":
        assert js(mr, f"Array.from({hash_expr}.digest())") == expected
        assert js(mr, f"B.isBuffer({hash_expr}.digest())") is True
    else:
        assert js(mr, f"{hash_expr}.digest('{encoding}')") == expected


def test_hash_names_and_input_encodings(mr: MiniRacer) -> None:
    digests = js(
        mr,
        """['SHA256', 'sha-256', 'RSA-SHA256', 'sha256'].map(
            (name) => M.crypto.createHash(name).update('abc').digest('hex'))""",
    )
    assert len(set(digests)) == 1
    assert js(
        mr,
        """[M.crypto.createHash('md5').update('616263', 'hex').digest('hex'),
            M.crypto.createHash('md5').update('YWJj', 'base64').digest('hex'),
            M.crypto.createHash('md5').update(new Uint8Array([97, 98, 99])).digest('hex')]""",
    ) == ["900150983cd24fb0d6963f7d28e17f72"] * 3


def test_hash_errors(mr: MiniRacer) -> None:
    err = js_error(mr, "M.crypto.createHash('sha3-999')")
    assert (err["type"], err["message"], err["code"]) == (
        "Error",
        "Digest method not supported",
        None,
    )
    err = js_error(mr, "M.crypto.createHmac('nope', 'key')")
    assert (err["type"], err["code"], err["message"]) == (
        "TypeError",
        "ERR_CRYPTO_INVALID_DIGEST",
        "Invalid digest: nope",
    )
    err = js_error(mr, "const h = M.crypto.createHash('md5'); h.digest(); h.digest()")
    assert (err["code"], err["message"]) == ("ERR_CRYPTO_HASH_FINALIZED", "Digest already called")
    err = js_error(mr, "M.crypto.createHash('md5').update(5)")
    assert (err["type"], err["code"]) == ("TypeError", "ERR_INVALID_ARG_TYPE")
    # Node lets a finished Hmac digest again, returning an empty result.
    hmac = "M.crypto.createHmac('md5', 'k')"
    assert js(mr, f"(() => {{ const h = {hmac}; h.digest(); return h.digest('hex'); }})()") == ""


def test_random_with_injected_source(mr: MiniRacer) -> None:
    result = js(
        mr,
        """(() => {
            const c = __rulekitNodeBuiltins({
                randomBytes: (n) => Array.from({ length: n }, (_, i) => i + 250),
            }).crypto;
            let viaCallback = null;
            c.randomBytes(3, (err, buf) => { viaCallback = [err, Array.from(buf)]; });
            return [Array.from(c.randomBytes(8)), B.isBuffer(c.randomBytes(1)),
                    c.randomUUID(), viaCallback];
        })()""",
    )
    # Bytes are masked to 0..255; the UUID gets version 4 and the RFC 4122 variant.
    assert result == [
        [250, 251, 252, 253, 254, 255, 0, 1],
        True,
        "fafbfcfd-feff-4001-8203-040506070809",
        [None, [250, 251, 252]],
    ]


def test_random_with_default_source(mr: MiniRacer) -> None:
    uuids = js(mr, "[M.crypto.randomUUID(), M.crypto.randomUUID()]")
    pattern = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
    assert all(pattern.match(u) for u in uuids)
    assert uuids[0] != uuids[1]
    assert js(mr, "M.crypto.randomBytes(16).length") == 16
    err = js_error(mr, "M.crypto.randomBytes(-1)")
    assert (err["type"], err["code"]) == ("RangeError", "ERR_OUT_OF_RANGE")


def test_timing_safe_equal(mr: MiniRacer) -> None:
    assert js(mr, "M.crypto.timingSafeEqual(B.from('abc'), B.from('abc'))") is True
    assert js(mr, "M.crypto.timingSafeEqual(B.from('abc'), new Uint8Array([97, 98, 100]))") is False
    err = js_error(mr, "M.crypto.timingSafeEqual(B.from('a'), B.from('ab'))")
    assert (err["type"], err["code"], err["message"]) == (
        "RangeError",
        "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH",
        "Input buffers must have the same byte length",
    )


def test_sha256_is_fast(mr: MiniRacer) -> None:
    # Timed inside V8 so the Python<->V8 call overhead is not counted.
    micros_per_call = js(
        mr,
        """(() => {
            const s = 'x'.repeat(100);
            const n = 2000;
            const start = Date.now();
            for (let i = 0; i < n; i++) M.crypto.createHash('sha256').update(s).digest('hex');
            return (Date.now() - start) * 1000 / n;
        })()""",
    )
    assert micros_per_call < 250


# ---------------------------------------------------------------------------
# Buffer, atob, btoa
# ---------------------------------------------------------------------------

# (input string, encoding or None for the default, expected bytes as hex)
FROM_STRING: list[tuple[str, str | None, str]] = [
    ('h\xe9llo \U0001f30d', 'utf8', '68c3a96c6c6f20f09f8c8d'),
    ('h\xe9llo \U0001f30d', 'utf-8', '68c3a96c6c6f20f09f8c8d'),
    ('h\xe9llo \U0001f30d', None, '68c3a96c6c6f20f09f8c8d'),
    ('lone \ud83d surrogate', 'utf8', '6c6f6e6520efbfbd20737572726f67617465'),
    ('68656c6c6f', 'hex', '68656c6c6f'),
    ('68656C6C6F', 'hex', '68656c6c6f'),
    ('abc', 'hex', 'ab'),
    ('zz12', 'hex', ''),
    ('12zz34', 'hex', '12'),
    ('aGVsbG8gd29ybGQ=', 'base64', '68656c6c6f20776f726c64'),
    ('aGVsbG8gd29ybGQ', 'base64', '68656c6c6f20776f726c64'),
    ('aGV sbG8\ngd29y bGQ=', 'base64', '68656c6c6f20776f726c64'),
    ('-_-_', 'base64', 'fbffbf'),
    ('+/+/', 'base64url', 'fbffbf'),
    ('-_-_', 'base64url', 'fbffbf'),
    ('YQ==YQ==', 'base64', '61'),
    ('h\xe9llo \xff', 'latin1', '68e96c6c6f20ff'),
    ('h\xe9llo \xff', 'binary', '68e96c6c6f20ff'),
    ('h\xe9llo \xff', 'ascii', '68e96c6c6f20ff'),
    ('h\xe9\u20ac', 'utf16le', '6800e900ac20'),
    ('h\xe9\u20ac', 'ucs2', '6800e900ac20'),
]


@pytest.mark.parametrize(("text", "encoding", "expected_hex"), FROM_STRING)
def test_buffer_from_string(
    mr: MiniRacer, text: str, encoding: str | None, expected_hex: str
) -> None:
    enc = "" if encoding is None else f", '{encoding}'"
    assert js(mr, f"Array.from(B.from({js_str(text)}{enc}))") == list(bytes.fromhex(expected_hex))


# (bytes as hex, encoding, expected string) - includes invalid UTF-8 sequences
TO_STRING: list[tuple[str, str, str]] = [
    ('c3a9f09f8c8d', 'utf8', '\xe9\U0001f30d'),
    ('ff61e282', 'utf8', '\ufffda\ufffd'),
    ('eda080', 'utf8', '\ufffd\ufffd\ufffd'),
    ('f09f8c', 'utf8', '\ufffd'),
    ('c0af41', 'utf8', '\ufffd\ufffdA'),
    ('f4908080', 'utf8', '\ufffd\ufffd\ufffd\ufffd'),
    ('e282ac41', 'latin1', '\xe2\x82\xacA'),
    ('ff41', 'ascii', '\x7fA'),
    ('68006900', 'utf16le', 'hi'),
    ('fbff', 'base64', '+/8='),
    ('fbff', 'base64url', '-_8'),
    ('00ff10', 'hex', '00ff10'),
]


@pytest.mark.parametrize(("hex_bytes", "encoding", "expected"), TO_STRING)
def test_buffer_to_string(mr: MiniRacer, hex_bytes: str, encoding: str, expected: str) -> None:
    data = list(bytes.fromhex(hex_bytes))
    assert js(mr, f"B.from({data}).toString('{encoding}')") == expected


@pytest.mark.parametrize("encoding", ["hex", "base64", "base64url", "latin1", "binary"])
def test_buffer_round_trips_every_byte(mr: MiniRacer, encoding: str) -> None:
    text, back = js(
        mr,
        f"""(() => {{
            const buf = B.from(Array.from({{ length: 256 }}, (_, i) => i));
            const text = buf.toString('{encoding}');
            return [text, B.from(text, '{encoding}').equals(buf)];
        }})()""",
    )
    # For these encodings Node agrees with Python's standard library.
    everything = bytes(range(256))
    expected = {
        "hex": everything.hex(),
        "base64": base64.b64encode(everything).decode(),
        "base64url": base64.urlsafe_b64encode(everything).decode().rstrip("="),
        "latin1": everything.decode("latin-1"),
        "binary": everything.decode("latin-1"),
    }[encoding]
    assert (text, back) == (expected, True)


def test_buffer_utf8_round_trip_with_astral_characters(mr: MiniRacer) -> None:
    text = "héllo 🌍 — 𝄞 ok"
    assert js(mr, f"B.from({js_str(text)}).toString()") == text
    assert js(mr, f"B.from({js_str(text)}).length") == len(text.encode())


# (string, encoding, Buffer.byteLength result)
BYTE_LENGTH: list[tuple[str, str, int]] = [
    ('h\xe9llo \U0001f30d', 'utf8', 11),
    ('YQ==', 'base64', 1),
    ('Y Q ==', 'base64', 3),
    ('abc', 'hex', 1),
    ('héllo', 'latin1', 5),
    ('ab', 'utf16le', 4),
]


@pytest.mark.parametrize(("text", "encoding", "expected"), BYTE_LENGTH)
def test_buffer_byte_length(mr: MiniRacer, text: str, encoding: str, expected: int) -> None:
    assert js(mr, f"B.byteLength({js_str(text)}, '{encoding}')") == expected


def test_buffer_api(mr: MiniRacer) -> None:
    result = js(
        mr,
        """(() => {
            const b = B.from('hello');
            const s = b.slice(1, 3);
            s[0] = 69; // shares memory with b, as in Node
            return {
                alloc: Array.from(B.alloc(5, 'ab')),
                allocNum: Array.from(B.alloc(3, 257)),
                concat: B.concat([B.from('ab'), new Uint8Array([99]), B.from('d')]).toString(),
                concatLen: B.concat([B.from('ab'), B.from('cd')], 3).toString(),
                isBuffer: [B.isBuffer(b), B.isBuffer(new Uint8Array(1)), B.isBuffer(s)],
                shared: [b.toString(), s.toString()],
                equals: [b.equals(B.from('hEllo')), b.equals(B.from('hello'))],
                json: JSON.stringify({ b: B.from('hi') }),
                fromJSON: B.from({ type: 'Buffer', data: [104, 105] }).toString(),
                fromArray: Array.from(B.from([1, 256, -1])),
                compare: B.compare(B.from('a'), B.from('b')),
                indexOf: [b.indexOf('l'), b.indexOf(B.from('lo')), b.includes('xyz')],
                ints: (() => {
                    const x = B.alloc(6);
                    x.writeUInt32BE(0xdeadbeef, 0);
                    x.writeInt16LE(-2, 4);
                    return [x.toString('hex'), x.readUInt32LE(0), x.readInt16LE(4)];
                })(),
                written: (() => {
                    const x = B.alloc(4); // a partial '€' is not written
                    return [x.write('€€'), x.toString('hex')];
                })(),
                newBuffer: new B('aGk=', 'base64').toString(),
            };
        })()""",
    )
    assert result == {
        "alloc": [97, 98, 97, 98, 97],
        "allocNum": [1, 1, 1],
        "concat": "abcd",
        "concatLen": "abc",
        "isBuffer": [True, False, True],
        "shared": ["hEllo", "El"],
        "equals": [True, False],
        "json": '{"b":{"type":"Buffer","data":[104,105]}}',
        "fromJSON": "hi",
        "fromArray": [1, 0, 255],
        "compare": -1,
        "indexOf": [2, 3, False],
        "ints": ["deadbeeffeff", 4022250974, -2],
        "written": [3, "e282ac00"],
        "newBuffer": "hi",
    }


def test_buffer_errors(mr: MiniRacer) -> None:
    err = js_error(mr, "B.from('x', 'utf-9')")
    assert (err["type"], err["code"], err["message"]) == (
        "TypeError",
        "ERR_UNKNOWN_ENCODING",
        "Unknown encoding: utf-9",
    )
    err = js_error(mr, "B.from('x').toString('nope')")
    assert err["code"] == "ERR_UNKNOWN_ENCODING"
    err = js_error(mr, "B.from(5)")
    assert (err["type"], err["code"]) == ("TypeError", "ERR_INVALID_ARG_TYPE")


ATOB: list[tuple[str, str]] = [
    ('aGVsbG8=', 'hello'),
    (' aGVs bG8 ', 'hello'),
    ('aGVsbG8', 'hello'),
    ('//79', '\xff\xfe\xfd'),
]

BTOA: list[tuple[str, str]] = [('hello', 'aGVsbG8='), ('\xff\xfe', '//4='), ('', '')]


@pytest.mark.parametrize(("encoded", "expected"), ATOB)
def test_atob(mr: MiniRacer, encoded: str, expected: str) -> None:
    assert js(mr, f"M.atob({js_str(encoded)})") == expected


@pytest.mark.parametrize(("text", "expected"), BTOA)
def test_btoa(mr: MiniRacer, text: str, expected: str) -> None:
    assert js(mr, f"M.btoa({js_str(text)})") == expected


def test_atob_btoa_errors(mr: MiniRacer) -> None:
    assert js_error(mr, "M.btoa('€')")["name"] == "InvalidCharacterError"
    assert js_error(mr, "M.atob('a*b=')")["name"] == "InvalidCharacterError"
    assert js_error(mr, "M.atob('abcde')")["message"] == (
        "The string to be decoded is not correctly encoded."
    )


# ---------------------------------------------------------------------------
# url: WHATWG URL and URLSearchParams
# ---------------------------------------------------------------------------

URL_FIELDS = (
    "href origin protocol username password host hostname port pathname search hash".split()
)

# (input, base or None, expected components)
URL_VECTORS: list[tuple[str, str | None, dict[str, str]]] = [
    (
        'https://user:pa%20ss@Example.COM:8443/a/./b/../c%7e?q=1&r=a+b#frag',
        None,
        {
            'href': 'https://user:pa%20ss@example.com:8443/a/c%7e?q=1&r=a+b#frag',
            'origin': 'https://example.com:8443',
            'protocol': 'https:',
            'username': 'user',
            'password': 'pa%20ss',
            'host': 'example.com:8443',
            'hostname': 'example.com',
            'port': '8443',
            'pathname': '/a/c%7e',
            'search': '?q=1&r=a+b',
            'hash': '#frag',
        },
    ),
    (
        'HTTP://example.com:80',
        None,
        {
            'href': 'http://example.com/',
            'origin': 'http://example.com',
            'protocol': 'http:',
            'username': '',
            'password': '',
            'host': 'example.com',
            'hostname': 'example.com',
            'port': '',
            'pathname': '/',
            'search': '',
            'hash': '',
        },
    ),
    (
        '../x?y#z',
        'http://a.com/b/c/d',
        {
            'href': 'http://a.com/b/x?y#z',
            'origin': 'http://a.com',
            'protocol': 'http:',
            'username': '',
            'password': '',
            'host': 'a.com',
            'hostname': 'a.com',
            'port': '',
            'pathname': '/b/x',
            'search': '?y',
            'hash': '#z',
        },
    ),
    (
        '//cdn.example.com/lib.js',
        'https://app.example.com/page',
        {
            'href': 'https://cdn.example.com/lib.js',
            'origin': 'https://cdn.example.com',
            'protocol': 'https:',
            'username': '',
            'password': '',
            'host': 'cdn.example.com',
            'hostname': 'cdn.example.com',
            'port': '',
            'pathname': '/lib.js',
            'search': '',
            'hash': '',
        },
    ),
    (
        '?q=2',
        'https://a.com/p?q=1#h',
        {
            'href': 'https://a.com/p?q=2',
            'origin': 'https://a.com',
            'protocol': 'https:',
            'username': '',
            'password': '',
            'host': 'a.com',
            'hostname': 'a.com',
            'port': '',
            'pathname': '/p',
            'search': '?q=2',
            'hash': '',
        },
    ),
    (
        'https://münchen.de/ü path?ä=ö#ß',
        None,
        {
            'href': 'https://xn--mnchen-3ya.de/%C3%BC%20path?%C3%A4=%C3%B6#%C3%9F',
            'origin': 'https://xn--mnchen-3ya.de',
            'protocol': 'https:',
            'username': '',
            'password': '',
            'host': 'xn--mnchen-3ya.de',
            'hostname': 'xn--mnchen-3ya.de',
            'port': '',
            'pathname': '/%C3%BC%20path',
            'search': '?%C3%A4=%C3%B6',
            'hash': '#%C3%9F',
        },
    ),
    (
        'http://[0:0::1]:3000/',
        None,
        {
            'href': 'http://[::1]:3000/',
            'origin': 'http://[::1]:3000',
            'protocol': 'http:',
            'username': '',
            'password': '',
            'host': '[::1]:3000',
            'hostname': '[::1]',
            'port': '3000',
            'pathname': '/',
            'search': '',
            'hash': '',
        },
    ),
    (
        'http://0x7f.1/',
        None,
        {
            'href': 'http://127.0.0.1/',
            'origin': 'http://127.0.0.1',
            'protocol': 'http:',
            'username': '',
            'password': '',
            'host': '127.0.0.1',
            'hostname': '127.0.0.1',
            'port': '',
            'pathname': '/',
            'search': '',
            'hash': '',
        },
    ),
    (
        'mailto:Joe@Ex.com?subject=hi',
        None,
        {
            'href': 'mailto:Joe@Ex.com?subject=hi',
            'origin': 'null',
            'protocol': 'mailto:',
            'username': '',
            'password': '',
            'host': '',
            'hostname': '',
            'port': '',
            'pathname': 'Joe@Ex.com',
            'search': '?subject=hi',
            'hash': '',
        },
    ),
    (
        (
            'https://auth.example.com/authorize?redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&st'
            'ate=a%20b'
        ),
        None,
        {
            'href': (
                'https://auth.example.com/authorize?redirect_uri=https%3A%2F%2Fapp.example.com%2Fc'
                'b&state=a%20b'
            ),
            'origin': 'https://auth.example.com',
            'protocol': 'https:',
            'username': '',
            'password': '',
            'host': 'auth.example.com',
            'hostname': 'auth.example.com',
            'port': '',
            'pathname': '/authorize',
            'search': '?redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=a%20b',
            'hash': '',
        },
    ),
    (
        '  https://ex.com/\ta\nb\\c  ',
        None,
        {
            'href': 'https://ex.com/ab/c',
            'origin': 'https://ex.com',
            'protocol': 'https:',
            'username': '',
            'password': '',
            'host': 'ex.com',
            'hostname': 'ex.com',
            'port': '',
            'pathname': '/ab/c',
            'search': '',
            'hash': '',
        },
    ),
    (
        'file:///C:/dir/../file.txt',
        None,
        {
            'href': 'file:///C:/file.txt',
            'origin': 'null',
            'protocol': 'file:',
            'username': '',
            'password': '',
            'host': '',
            'hostname': '',
            'port': '',
            'pathname': '/C:/file.txt',
            'search': '',
            'hash': '',
        },
    ),
    (
        'custom-app://callback/path?token=x',
        None,
        {
            'href': 'custom-app://callback/path?token=x',
            'origin': 'null',
            'protocol': 'custom-app:',
            'username': '',
            'password': '',
            'host': 'callback',
            'hostname': 'callback',
            'port': '',
            'pathname': '/path',
            'search': '?token=x',
            'hash': '',
        },
    ),
    (
        'https://ex.com/a{b}|^`\'"<>/c?{q}\'#{f}`',
        None,
        {
            'href': "https://ex.com/a%7Bb%7D|^%60'%22%3C%3E/c?{q}%27#{f}%60",
            'origin': 'https://ex.com',
            'protocol': 'https:',
            'username': '',
            'password': '',
            'host': 'ex.com',
            'hostname': 'ex.com',
            'port': '',
            'pathname': "/a%7Bb%7D|^%60'%22%3C%3E/c",
            'search': '?{q}%27',
            'hash': '#{f}%60',
        },
    ),
]


@pytest.mark.parametrize(("url", "base", "expected"), URL_VECTORS)
def test_url_components(
    mr: MiniRacer, url: str, base: str | None, expected: dict[str, str]
) -> None:
    args = js_str(url) if base is None else f"{js_str(url)}, {js_str(base)}"
    fields = ", ".join(f"{f}: u.{f}" for f in URL_FIELDS)
    expr = f"(() => {{ const u = new M.url.URL({args}); return {{ {fields} }}; }})()"
    assert js(mr, expr) == expected


URL_INVALID: list[str] = [
    'nope',
    'http://',
    'https://ex.com:99999/',
    'http://a b.com/',
    'http://[::1/',
    'http://192.168.0.257/',
    'http://xn--a.com/',
]


@pytest.mark.parametrize("url", URL_INVALID)
def test_invalid_url_throws(mr: MiniRacer, url: str) -> None:
    err = js_error(mr, f"new M.url.URL({js_str(url)})")
    assert (err["type"], err["code"], err["message"]) == (
        "TypeError",
        "ERR_INVALID_URL",
        "Invalid URL",
    )


SEARCH_PARAMS: dict[str, Any] = {
    'get': '1',
    'getAll': ['1', '3'],
    'has': True,
    'missing': None,
    'afterEdit': [
        'a=%C3%A9&c=x+y%26z',
        'https://a.com/p?a=%C3%A9&c=x+y%26z#h',
        [['a', '\xe9'], ['c', 'x y&z']],
        ['a', 'c'],
        ['\xe9', 'x y&z'],
    ],
    'sorted': '?a=%C3%A9&c=x+y%26z',
    'forEach': ['a=\xe9', 'c=x y&z'],
    'cleared': 'https://a.com/p#h',
    'fromRecord': 'a=1&b+c=%7E%21*%28%29%27%C3%A9',
    'fromString': [['x', '1 2'], ['y', 'A%zz'], ['z', ''], ['', 'v']],
    'fromPairs': 'a=b&c=d',
}


def test_search_params(mr: MiniRacer) -> None:
    result = js(
        mr,
        """(() => {
            const u = new M.url.URL('https://a.com/p?a=1&b=2&a=3#h');
            const s = u.searchParams;
            const r = {
                get: s.get('a'), getAll: s.getAll('a'), has: s.has('b'), missing: s.get('zz'),
            };
            s.append('c', 'x y&z'); s.set('a', 'é'); s.delete('b');
            r.afterEdit = [s.toString(), u.href, [...s], [...s.keys()], [...s.values()]];
            s.sort(); r.sorted = u.search;
            const seen = []; s.forEach((v, k) => seen.push(`${k}=${v}`)); r.forEach = seen;
            s.delete('a'); s.delete('c'); r.cleared = u.href;
            const USP = M.url.URLSearchParams;
            r.fromRecord = new USP({ a: '1', 'b c': "~!*()'é" }).toString();
            r.fromString = [...new USP('?x=1+2&y=%41%zz&&z&=v')];
            r.fromPairs = new USP([['a', 'b'], ['c', 'd']]).toString();
            return r;
        })()""",
    )
    assert result == SEARCH_PARAMS


URL_SETTERS: list[str] = [
    'http://a.com/x%20y/%C3%BC?q#h',
    'http://a.com/x%20y/%C3%BC?a=b%20c#h',
    'b c',
    'http://a.com/x%20y/%C3%BC?a=b%20c#frag%20ment',
    'http://a.com:8080/x%20y/%C3%BC?a=b%20c#frag%20ment',
    'http://a.com/x%20y/%C3%BC?a=b%20c#frag%20ment',
    'http://b.com/x%20y/%C3%BC?a=b%20c#frag%20ment',
    'http://c.com:99/x%20y/%C3%BC?a=b%20c#frag%20ment',
    'http://us%20er:p%40ss@c.com:99/x%20y/%C3%BC?a=b%20c#frag%20ment',
    'https://us%20er:p%40ss@c.com:99/x%20y/%C3%BC?a=b%20c#frag%20ment',
    'https://us%20er:p%40ss@c.com:99/x%20y/%C3%BC?a=b%20c#frag%20ment',
    'https://us%20er:p%40ss@c.com:99/x%20y/%C3%BC',
    'http://z.com/?k=v',
    'v',
]


def test_url_setters(mr: MiniRacer) -> None:
    result = js(
        mr,
        """(() => {
            const u = new M.url.URL('http://a.com/p?q#h'); const r = [];
            u.pathname = '/x y/ü'; r.push(u.href);
            u.search = 'a=b c'; r.push(u.href, u.searchParams.get('a'));
            u.hash = 'frag ment'; r.push(u.href);
            u.port = '8080'; r.push(u.href); u.port = '80'; r.push(u.href);
            u.hostname = 'B.com'; r.push(u.href); u.host = 'c.com:99'; r.push(u.href);
            u.username = 'us er'; u.password = 'p@ss'; r.push(u.href);
            u.protocol = 'https'; r.push(u.href); u.protocol = 'foo'; r.push(u.href);
            u.search = ''; u.hash = ''; r.push(u.href);
            u.href = 'http://z.com/?k=v'; r.push(u.href, u.searchParams.get('k'));
            return r;
        })()""",
    )
    assert result == URL_SETTERS


def test_url_serialization(mr: MiniRacer) -> None:
    assert js(mr, "JSON.stringify({ u: new M.url.URL('http://a.com') })") == '{"u":"http://a.com/"}'
    assert js(mr, "String(new M.url.URL('http://a.com/x'))") == "http://a.com/x"
    assert js(mr, "[M.url.URL.canParse('x'), M.url.URL.canParse('x:y')]") == [False, True]


# ---------------------------------------------------------------------------
# url: legacy parse / format / resolve
# ---------------------------------------------------------------------------

# (input, parseQueryString, expected fields)
LEGACY_PARSE: list[tuple[str, bool, dict[str, Any]]] = [
    (
        'http://user:pass@Host.COM:8080/p/a/t/h?query=string&a=1#hash',
        False,
        {
            'protocol': 'http:',
            'slashes': True,
            'auth': 'user:pass',
            'host': 'host.com:8080',
            'port': '8080',
            'hostname': 'host.com',
            'hash': '#hash',
            'search': '?query=string&a=1',
            'query': 'query=string&a=1',
            'pathname': '/p/a/t/h',
            'path': '/p/a/t/h?query=string&a=1',
            'href': 'http://user:pass@host.com:8080/p/a/t/h?query=string&a=1#hash',
        },
    ),
    (
        'https://example.com',
        False,
        {
            'protocol': 'https:',
            'slashes': True,
            'auth': None,
            'host': 'example.com',
            'port': None,
            'hostname': 'example.com',
            'hash': None,
            'search': None,
            'query': None,
            'pathname': '/',
            'path': '/',
            'href': 'https://example.com/',
        },
    ),
    (
        'http://a.com/x y?q=a b#f g',
        False,
        {
            'protocol': 'http:',
            'slashes': True,
            'auth': None,
            'host': 'a.com',
            'port': None,
            'hostname': 'a.com',
            'hash': '#f%20g',
            'search': '?q=a%20b',
            'query': 'q=a%20b',
            'pathname': '/x%20y',
            'path': '/x%20y?q=a%20b',
            'href': 'http://a.com/x%20y?q=a%20b#f%20g',
        },
    ),
    (
        '/path?x=1&x=2',
        True,
        {
            'protocol': None,
            'slashes': None,
            'auth': None,
            'host': None,
            'port': None,
            'hostname': None,
            'hash': None,
            'search': '?x=1&x=2',
            'query': {'x': ['1', '2']},
            'pathname': '/path',
            'path': '/path?x=1&x=2',
            'href': '/path?x=1&x=2',
        },
    ),
    (
        '//foo/bar',
        False,
        {
            'protocol': None,
            'slashes': None,
            'auth': None,
            'host': None,
            'port': None,
            'hostname': None,
            'hash': None,
            'search': None,
            'query': None,
            'pathname': '//foo/bar',
            'path': '//foo/bar',
            'href': '//foo/bar',
        },
    ),
    (
        'mailto:a@b.com',
        False,
        {
            'protocol': 'mailto:',
            'slashes': None,
            'auth': 'a',
            'host': 'b.com',
            'port': None,
            'hostname': 'b.com',
            'hash': None,
            'search': None,
            'query': None,
            'pathname': None,
            'path': None,
            'href': 'mailto:a@b.com',
        },
    ),
    (
        'http://[::1]:3000/x',
        False,
        {
            'protocol': 'http:',
            'slashes': True,
            'auth': None,
            'host': '[::1]:3000',
            'port': '3000',
            'hostname': '::1',
            'hash': None,
            'search': None,
            'query': None,
            'pathname': '/x',
            'path': '/x',
            'href': 'http://[::1]:3000/x',
        },
    ),
    (
        'http://ex.com/a\\b?c\\d',
        False,
        {
            'protocol': 'http:',
            'slashes': True,
            'auth': None,
            'host': 'ex.com',
            'port': None,
            'hostname': 'ex.com',
            'hash': None,
            'search': '?c%5Cd',
            'query': 'c%5Cd',
            'pathname': '/a/b',
            'path': '/a/b?c%5Cd',
            'href': 'http://ex.com/a/b?c%5Cd',
        },
    ),
    (
        'https://héllo.com/ü',
        False,
        {
            'protocol': 'https:',
            'slashes': True,
            'auth': None,
            'host': 'xn--hllo-bpa.com',
            'port': None,
            'hostname': 'xn--hllo-bpa.com',
            'hash': None,
            'search': None,
            'query': None,
            'pathname': '/\xfc',
            'path': '/\xfc',
            'href': 'https://xn--hllo-bpa.com/ü',
        },
    ),
    (
        'https://a.com/cb?code=abc&state=x%20y',
        True,
        {
            'protocol': 'https:',
            'slashes': True,
            'auth': None,
            'host': 'a.com',
            'port': None,
            'hostname': 'a.com',
            'hash': None,
            'search': '?code=abc&state=x%20y',
            'query': {'code': 'abc', 'state': 'x y'},
            'pathname': '/cb',
            'path': '/cb?code=abc&state=x%20y',
            'href': 'https://a.com/cb?code=abc&state=x%20y',
        },
    ),
]


@pytest.mark.parametrize(("url", "parse_query", "expected"), LEGACY_PARSE)
def test_legacy_url_parse(
    mr: MiniRacer, url: str, parse_query: bool, expected: dict[str, Any]
) -> None:
    flag = "true" if parse_query else "false"
    parsed = js(mr, f"{{ ...M.url.parse({js_str(url)}, {flag}) }}")
    assert parsed == expected
    assert list(parsed) == list(expected)  # Node's property order
    if parse_query:
        assert js(mr, f"Object.getPrototypeOf(M.url.parse({js_str(url)}, true).query)") is None


# (JS expression passed to url.format, expected string)
LEGACY_FORMAT: list[tuple[str, str]] = [
    (
        (
            "{ protocol: 'https', hostname: 'ex.com', port: 8443, pathname: '/a b#?', query: { x: "
            "'1 2', y: ['a', 'b'] }, hash: 'frag' }"
        ),
        'https://ex.com:8443/a b%23%3F?x=1%202&y=a&y=b#frag',
    ),
    (
        "{ protocol: 'http:', host: 'a.com:81', auth: 'u:p w', search: 'q=1', pathname: 'x' }",
        'http://u:p%20w@a.com:81/x?q=1',
    ),
    ("'http://A.com/x?y#z'", 'http://a.com/x?y#z'),
    ("new URL('http://a.com/x?y=1#z')", 'http://a.com/x?y=1#z'),
    ("{ protocol: 'mailto', pathname: 'a@b.com' }", 'mailto:a@b.com'),
]


@pytest.mark.parametrize(("source", "expected"), LEGACY_FORMAT)
def test_legacy_url_format(mr: MiniRacer, source: str, expected: str) -> None:
    assert js(mr, f"M.url.format({source.replace('new URL', 'new M.url.URL')})") == expected


RESOLVE: list[tuple[str, str, str]] = [
    ('http://a.com/b/c', '../d', 'http://a.com/d'),
    ('/one/two/three', 'four', '/one/two/four'),
    ('http://example.com/', '/one', 'http://example.com/one'),
    ('http://example.com/one', '/two', 'http://example.com/two'),
]


@pytest.mark.parametrize(("base", "target", "expected"), RESOLVE)
def test_legacy_url_resolve(mr: MiniRacer, base: str, target: str, expected: str) -> None:
    assert js(mr, f"M.url.resolve({js_str(base)}, {js_str(target)})") == expected


# ---------------------------------------------------------------------------
# querystring
# ---------------------------------------------------------------------------

# (input, sep or None, eq or None, expected object)
QS_PARSE: list[tuple[str, str | None, str | None, dict[str, Any]]] = [
    ('a=1&a=2&b=3', None, None, {'a': ['1', '2'], 'b': '3'}),
    ('foo=bar&&baz=&=x&qux', None, None, {'foo': 'bar', 'baz': '', '': 'x', 'qux': ''}),
    ('e=%E2%82%AC+x&f==g', None, None, {'e': '\u20ac x', 'f': '=g'}),
    ('d=%zz&h=%41%2', None, None, {'d': '%zz', 'h': 'A%2'}),
    ('a:1;b:2', ';', ':', {'a': '1', 'b': '2'}),
    ('', None, None, {}),
    (
        'redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb%3Fx%3D1&scope=openid%20profile',
        None,
        None,
        {'redirect_uri': 'https://app.example.com/cb?x=1', 'scope': 'openid profile'},
    ),
]


@pytest.mark.parametrize(("text", "sep", "eq", "expected"), QS_PARSE)
def test_querystring_parse(
    mr: MiniRacer, text: str, sep: str | None, eq: str | None, expected: dict[str, Any]
) -> None:
    args = ", ".join([js_str(text)] + [js_arg(x) for x in (sep, eq)])
    assert js(mr, f"M.querystring.parse({args})") == expected
    assert js(mr, f"Object.getPrototypeOf(M.querystring.decode({args}))") is None


# (JS object source, sep or None, eq or None, expected string)
QS_STRINGIFY: list[tuple[str, str | None, str | None, str]] = [
    (
        (
            "{ a: [], b: 1, c: [1, 2], d: {}, e: null, f: undefined, g: NaN, h: true, i: 'é &=', j"
            ': 10n }'
        ),
        None,
        None,
        'b=1&c=1&c=2&d=&e=&f=&g=&h=true&i=%C3%A9%20%26%3D&j=10',
    ),
    (
        "{ 'sp ace': 'x/y?z', list: ['a b', 'c'] }",
        None,
        None,
        'sp%20ace=x%2Fy%3Fz&list=a%20b&list=c',
    ),
    ('{ a: 1, b: 2 }', ';', ':', 'a:1;b:2'),
    ("'not an object'", None, None, ''),
]


@pytest.mark.parametrize(("source", "sep", "eq", "expected"), QS_STRINGIFY)
def test_querystring_stringify(
    mr: MiniRacer, source: str, sep: str | None, eq: str | None, expected: str
) -> None:
    args = ", ".join([source] + [js_arg(x) for x in (sep, eq)])
    assert js(mr, f"M.querystring.stringify({args})") == expected
    assert js(mr, f"M.querystring.encode({args})") == expected


QS_ESCAPE: list[tuple[str, str]] = [
    ("a b!'()*~-._é/?&=", "a%20b!'()*~-._%C3%A9%2F%3F%26%3D"),
    ('x+y%', 'x%2By%25'),
    ('\U0001f600', '%F0%9F%98%80'),
]

QS_UNESCAPE: list[tuple[str, str]] = [
    ('a%20b+c', 'a b+c'),
    ('%E2%82%AC', '\u20ac'),
    ('a%zz%41', 'a%zzA'),
    ('%E2%82', '\ufffd'),
]


@pytest.mark.parametrize(("text", "expected"), QS_ESCAPE)
def test_querystring_escape(mr: MiniRacer, text: str, expected: str) -> None:
    assert js(mr, f"M.querystring.escape({js_str(text)})") == expected


@pytest.mark.parametrize(("text", "expected"), QS_UNESCAPE)
def test_querystring_unescape(mr: MiniRacer, text: str, expected: str) -> None:
    assert js(mr, f"M.querystring.unescape({js_str(text)})") == expected


# ---------------------------------------------------------------------------
# util
# ---------------------------------------------------------------------------

# (JS argument list for util.format, expected string)
FORMAT: list[tuple[str, str]] = [
    ("'%s:%s', 'a', 'b'", 'a:b'),
    ("'%s', 'only'", 'only'),
    ("'%d items', '42'", '42 items'),
    ("'%i', 42.9", '42'),
    ("'%f', '1.5x'", '1.5'),
    ("'%j', { a: [1, 'x'] }", '{"a":[1,"x"]}'),
    ("'%j', (() => { const o = {}; o.o = o; return o })()", '[Circular]'),
    ("'%o', [1, 2]", '[ 1, 2, [length]: 2 ]'),
    ("'%O', { a: 'x', b: { c: { d: {} } } }", "{ a: 'x', b: { c: { d: {} } } }"),
    ("'%%'", '%%'),
    ("'%% %s'", '%% %s'),
    ("'%% %s', 'x'", '% x'),
    ("'%s %s', 'x'", 'x %s'),
    ("'%x %s', 1", '%x 1'),
    ("'%c|%s', 'color: red', 'x'", '|x'),
    ("'%s', -0", '-0'),
    ("'%d', -0", '-0'),
    ("'%s', 5n", '5n'),
    ("'%s', null", 'null'),
    ("'%s', undefined", 'undefined'),
    ("'%s', { a: { b: { c: 1 } } }", '{ a: [Object] }'),
    ("'%s', [1, [2, [3]]]", '[ 1, [Array] ]'),
    ("'%s', new Date(0)", '1970-01-01T00:00:00.000Z'),
    ("'%s', { toString() { return 'custom' } }", 'custom'),
    ("1, 'a', { b: 1 }", '1 a { b: 1 }'),
    ("'user %s logged in', 'bob', { id: 7 }, [1]", 'user bob logged in { id: 7 } [ 1 ]'),
    ("'%s', Symbol('q')", 'Symbol(q)'),
    ("'%d', {}", 'NaN'),
]


@pytest.mark.parametrize(("args", "expected"), FORMAT)
def test_util_format(mr: MiniRacer, args: str, expected: str) -> None:
    assert js(mr, f"M.util.format({args})") == expected


# (JS expression, expected util.inspect output)
INSPECT: list[tuple[str, str]] = [
    (
        (
            "{ a: 1, b: 'two', c: [1, 2, { d: 3 }], e: { f: { g: { h: { i: 1 } } } }, n: null, u: "
            'undefined, t: true, big: 10n, neg: -0 }'
        ),
        (
            "{\n  a: 1,\n  b: 'two',\n  c: [ 1, 2, { d: 3 } ],\n  e: { f: { g: [Object] } },\n  n:"
            ' null,\n  u: undefined,\n  t: true,\n  big: 10n,\n  neg: -0\n}'
        ),
    ),
    (
        (
            "{ user: { user_id: 'auth0|123', email: 'a@b.com', app_metadata: { roles: ['admin', 'u"
            "ser'], plan: { tier: 'gold', since: new Date(1e12) } } } }"
        ),
        (
            "{\n  user: {\n    user_id: 'auth0|123',\n    email: 'a@b.com',\n    app_metadata: { r"
            'oles: [Array], plan: [Object] }\n  }\n}'
        ),
    ),
    ('"it\'s"', '"it\'s"'),
    ('\'say "hi" it\\\'s\'', '`say "hi" it\'s`'),
    ("'a\\nb\\t\\u0001\\\\'", "'a\\nb\\t\\x01\\\\'"),
    ("[1, 'a', null, undefined, [], {}, [[]]]", "[ 1, 'a', null, undefined, [], {}, [ [] ] ]"),
    (
        'Array.from({ length: 30 }, (_, i) => i * 7)',
        (
            '[\n    0,   7,  14,  21,  28,  35,  42,  49,\n   56,  63,  70,  77,  84,  91,  98, 10'
            '5,\n  112, 119, 126, 133, 140, 147, 154, 161,\n  168, 175, 182, 189, 196, 203\n]'
        ),
    ),
    (
        "['apple', 'banana', 'cherry', 'date', 'elder', 'fig', 'grape', 'honeydew']",
        (
            "[\n  'apple',  'banana',\n  'cherry', 'date',\n  'elder',  'fig',\n  'grape',  'honey"
            "dew'\n]"
        ),
    ),
    (
        'Array.from({ length: 120 }, (_, i) => i)',
        (
            '[\n   0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11,\n  12, 13, 14, 15, 16, 17, 18, 1'
            '9, 20, 21, 22, 23,\n  24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,\n  36, 37, 38, '
            '39, 40, 41, 42, 43, 44, 45, 46, 47,\n  48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59'
            ',\n  60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71,\n  72, 73, 74, 75, 76, 77, 78, 7'
            '9, 80, 81, 82, 83,\n  84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95,\n  96, 97, 98, '
            '99,\n  ... 20 more items\n]'
        ),
    ),
    (
        "(() => { const c = { name: 'c' }; c.self = c; c.arr = [c]; return c })()",
        "<ref *1> { name: 'c', self: [Circular *1], arr: [ [Circular *1] ] }",
    ),
    (
        '(() => { class Foo { constructor() { this.x = 1 } }; return [new Foo(), {}, []] })()',
        '[ Foo { x: 1 }, {}, [] ]',
    ),
    ('Object.assign(Object.create(null), { a: 1 })', '[Object: null prototype] { a: 1 }'),
    ("new Map([['a', 1], [{ k: 1 }, [2]]])", "Map(2) { 'a' => 1, { k: 1 } => [ 2 ] }"),
    ("new Set([1, 'x'])", "Set(2) { 1, 'x' }"),
    ('[1, , 3, , , 6]', '[ 1, <1 empty item>, 3, <2 empty items>, 6 ]'),
    ("Object.assign([1, 2], { x: 'y' })", "[ 1, 2, x: 'y' ]"),
    ("B.from('hello')", '<Buffer 68 65 6c 6c 6f>'),
    ('new Uint8Array([1, 2, 3])', 'Uint8Array(3) [ 1, 2, 3 ]'),
    (
        (
            '{ fn() {}, arrow: () => 1, anon: (() => function () {})(), cls: class Foo {}, af: asy'
            'nc function af() {}, re: /a+/gi, date: new Date(0), bad: new Date(NaN) }'
        ),
        (
            '{\n  fn: [Function: fn],\n  arrow: [Function: arrow],\n  anon: [Function (anonymous)]'
            ',\n  cls: [class Foo],\n  af: [AsyncFunction: af],\n  re: /a+/gi,\n  date: 1970-01-01'
            'T00:00:00.000Z,\n  bad: Invalid Date\n}'
        ),
    ),
    (
        "{ get a() { return 1 }, set b(v) {}, 'bad key': 1, [Symbol('k')]: 2, $x: 3 }",
        "{ a: [Getter], b: [Setter], 'bad key': 1, '$x': 3, [Symbol(k)]: 2 }",
    ),
    (
        "[new String('ab'), new Number(3), new Boolean(false)]",
        "[ [String: 'ab'], [Number: 3], [Boolean: false] ]",
    ),
    (
        (
            "{ s: 'line one is here\\nline two is here and quite long to exceed the width of eight"
            "y chars\\nend' }"
        ),
        (
            "{\n  s: 'line one is here\\n' +\n    'line two is here and quite long to exceed the w"
            "idth of eighty chars\\n' +\n    'end'\n}"
        ),
    ),
    (
        "(() => { const e = new Error('m'); e.stack = undefined; return { e } })()",
        '{ e: [Error: m] }',
    ),
    (
        "{ k: 'x'.repeat(100) }",
        (
            "{\n  k: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxxxxxxxxxxx'\n}"
        ),
    ),
    (
        '[1.5, -2, 300, 4e21, 5, 6, 7, 100000]',
        '[\n    1.5,     -2, 300,\n  4e+21,      5,   6,\n      7, 100000\n]',
    ),
    (
        "{ aa: 'x'.repeat(44), bb: [1, 2] }",
        "{ aa: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', bb: [ 1, 2 ] }",
    ),
    (
        "{ aa: 'x'.repeat(48), bb: [1, 2] }",
        "{\n  aa: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',\n  bb: [ 1, 2 ]\n}",
    ),
    (
        "['x'.repeat(58), 'yy']",
        "[ 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'yy' ]",
    ),
    (
        "['x'.repeat(62), 'yy']",
        "[\n  'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',\n  'yy'\n]",
    ),
]


@pytest.mark.parametrize(("source", "expected"), INSPECT)
def test_util_inspect(mr: MiniRacer, source: str, expected: str) -> None:
    assert js(mr, f"M.util.inspect({source})") == expected


# (JS expression, JS options, expected util.inspect output)
INSPECT_OPTIONS: list[tuple[str, str, str]] = [
    ('{ a: { b: { c: { d: {} } } } }', '{ depth: 0 }', '{ a: [Object] }'),
    ('{ a: { b: { c: { d: {} } } } }', '{ depth: null }', '{\n  a: { b: { c: { d: {} } } }\n}'),
    ('{ b: 1, a: 2 }', '{ sorted: true }', '{ a: 2, b: 1 }'),
    ('{ a: [1, 2, 3] }', '{ compact: false }', '{\n  a: [\n    1,\n    2,\n    3\n  ]\n}'),
    (
        "{ a: [1, 2, 3], b: 'x'.repeat(80) }",
        '{ breakLength: Infinity }',
        (
            "{ a: [ 1, 2, 3 ], b: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxxxx' }"
        ),
    ),
]


@pytest.mark.parametrize(("source", "options", "expected"), INSPECT_OPTIONS)
def test_util_inspect_options(mr: MiniRacer, source: str, options: str, expected: str) -> None:
    assert js(mr, f"M.util.inspect({source}, {options})") == expected


def test_util_inspect_error_with_stack(mr: MiniRacer) -> None:
    text = js(mr, "M.util.inspect({ err: Object.assign(new TypeError('boom'), { code: 'E1' }) })")
    assert text.startswith("{\n  err: TypeError: boom\n      at ")
    assert text.endswith("{\n    code: 'E1'\n  }\n}")


def test_util_is_deep_strict_equal(mr: MiniRacer) -> None:
    assert js(
        mr,
        """(() => {
            const eq = M.util.isDeepStrictEqual;
            const a = { x: [1, { y: new Date(5) }], m: new Map([[{ k: 1 }, new Set([1])]]) };
            const b = { x: [1, { y: new Date(5) }], m: new Map([[{ k: 1 }, new Set([1])]]) };
            const c1 = { n: 1 }; c1.self = c1; const c2 = { n: 1 }; c2.self = c2;
            return [eq(a, b), eq(c1, c2), eq(NaN, NaN), eq(0, -0), eq([1], ['1']),
                    eq([1, , 3], [1, undefined, 3]), eq({}, Object.create(null)),
                    eq(/a/g, /a/i), eq(B.from('ab'), B.from('ab'))];
        })()""",
    ) == [True, True, True, False, False, False, False, False, True]


def test_util_promisify(mr: MiniRacer) -> None:
    mr.eval(
        """globalThis.promisified = [];
        const ok = (a, b, cb) => cb(null, a + b);
        const bad = (cb) => cb(new Error('nope'));
        M.util.promisify(ok)(2, 3).then((v) => promisified.push(v));
        M.util.promisify(bad)().catch((e) => promisified.push(e.message));"""
    )
    # mini-racer runs pending promise jobs after each eval.
    assert js(mr, "promisified") == [5, "nope"]
    assert js(mr, "typeof M.util.promisify.custom") == "symbol"
    assert js_error(mr, "M.util.promisify(1)")["code"] == "ERR_INVALID_ARG_TYPE"


def test_util_inherits_types_and_deprecate(mr: MiniRacer) -> None:
    assert js(
        mr,
        """(() => {
            function Animal() {} Animal.prototype.speak = function () { return 'hi'; };
            function Dog() { Animal.call(this); }
            M.util.inherits(Dog, Animal);
            const t = M.util.types;
            const fn = () => 42;
            return [new Dog().speak(), Dog.super_ === Animal, new Dog() instanceof Animal,
                    t.isDate(new Date()), t.isDate({}), t.isRegExp(/x/), t.isRegExp('x'),
                    t.isPromise(Promise.resolve()), t.isPromise({ then() {} }),
                    M.util.deprecate(fn, 'old') === fn];
        })()""",
    ) == ["hi", True, True, True, False, True, False, True, False, True]
