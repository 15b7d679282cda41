/*
 * reallibs.c: does real work with Debian's static archives of sqlite3, zlib,
 * zstd, Lua 5.4 and OpenSSL's libcrypto, and prints results that do not
 * depend on the library versions (no version strings, no compressed sizes,
 * no pointers, no hash-table iteration order, no randomness).
 *
 * Used by tests/reallibs/reallibs_test.go, which links this program with
 * rivet and with GNU ld.bfd and compares the output against a golden copy.
 *
 * Exit status: 0 when every internal check passed, otherwise the number of
 * failed checks (capped at 100). Every failed check also prints a FAIL line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <zlib.h>
#include <zstd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

static int failures;

#define CHECK(cond, what)                                                      \
	do {                                                                       \
		if (!(cond)) {                                                         \
			printf("FAIL %s:%d: %s\n", __func__, __LINE__, what);              \
			failures++;                                                        \
		}                                                                      \
	} while (0)

static void print_hex(const char *label, const unsigned char *p, size_t n)
{
	printf("%s", label);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

/* ------------------------------------------------------------------------ */
/* Shared input: 100 KiB of compressible, deterministic data.               */

#define INPUT_SIZE (100 * 1024)
static unsigned char input[INPUT_SIZE];

static void make_input(void)
{
	static const char *const words[] = {
		"alpha ", "bravo ", "charlie ", "delta ", "echo ", "foxtrot ",
		"golf ", "hotel ", "india ", "juliet ", "kilo ", "lima\n",
	};
	uint32_t x = 2463534242u; /* xorshift32 */
	size_t n = 0;
	while (n < INPUT_SIZE) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		if (x % 7 == 0) { /* an occasional incompressible byte */
			input[n++] = (unsigned char)(x >> 24);
			continue;
		}
		const char *w = words[x % 12];
		for (size_t i = 0; w[i] && n < INPUT_SIZE; i++)
			input[n++] = (unsigned char)w[i];
	}
}

/* ------------------------------------------------------------------------ */
/* sqlite3                                                                  */

/* A user-defined SQL function: weight(x) = x*x mod 97. Exercises a callback
 * from the library into the program through a function pointer. */
static void sql_weight(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_int64 v = sqlite3_value_int64(argv[0]);
	sqlite3_result_int64(ctx, (v * v) % 97);
}

static int print_row(void *prefix, int ncol, char **vals, char **names)
{
	(void)names;
	printf("%s", (const char *)prefix);
	for (int i = 0; i < ncol; i++)
		printf("%s%s", i ? "|" : "", vals[i] ? vals[i] : "NULL");
	printf("\n");
	return 0;
}

static void exec_sql(sqlite3 *db, const char *sql, const char *prefix)
{
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, prefix ? print_row : NULL, (void *)prefix, &err);
	if (rc != SQLITE_OK) {
		printf("FAIL sqlite3_exec(%s): %s\n", sql, err ? err : "?");
		failures++;
	}
	sqlite3_free(err);
}

static void test_sqlite(void)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open(":memory:", &db);
	CHECK(rc == SQLITE_OK, "sqlite3_open");
	if (rc != SQLITE_OK)
		return;

	/* The version is not deterministic across releases: only check it. */
	const char *v = sqlite3_libversion();
	printf("sqlite: version non-empty: %s\n", v && *v ? "yes" : "no");
	CHECK(sqlite3_libversion_number() >= 3000000, "sqlite3_libversion_number");

	rc = sqlite3_create_function(db, "weight", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
	                             NULL, sql_weight, NULL, NULL);
	CHECK(rc == SQLITE_OK, "sqlite3_create_function");

	exec_sql(db,
	         "CREATE TABLE items(id INTEGER PRIMARY KEY, cat TEXT NOT NULL,"
	         " qty INTEGER NOT NULL, price REAL NOT NULL, name TEXT);"
	         "CREATE INDEX items_cat ON items(cat);",
	         NULL);

	exec_sql(db, "BEGIN", NULL);
	sqlite3_stmt *ins = NULL;
	rc = sqlite3_prepare_v2(db, "INSERT INTO items(id, cat, qty, price, name) VALUES(?,?,?,?,?)",
	                        -1, &ins, NULL);
	CHECK(rc == SQLITE_OK, "sqlite3_prepare_v2 insert");
	static const char *const cats[] = {"apple", "banana", "cherry", "date", "elder"};
	for (int i = 1; i <= 1000 && ins; i++) {
		char name[32];
		snprintf(name, sizeof name, "item-%04d", i);
		sqlite3_bind_int(ins, 1, i);
		sqlite3_bind_text(ins, 2, cats[(i * 7) % 5], -1, SQLITE_STATIC);
		sqlite3_bind_int(ins, 3, (i * 37) % 101);
		sqlite3_bind_double(ins, 4, (double)((i * 13) % 1000) / 4.0);
		if (i % 50 == 0)
			sqlite3_bind_null(ins, 5);
		else
			sqlite3_bind_text(ins, 5, name, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(ins);
		if (rc != SQLITE_DONE) {
			printf("FAIL sqlite3_step insert %d: %s\n", i, sqlite3_errmsg(db));
			failures++;
			break;
		}
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	exec_sql(db, "COMMIT", NULL);

	exec_sql(db, "SELECT COUNT(*), SUM(qty), COUNT(name), printf('%.2f', SUM(price)) FROM items",
	         "sqlite: totals: ");
	exec_sql(db,
	         "SELECT cat, COUNT(*), SUM(qty), MIN(qty), MAX(qty), printf('%.3f', AVG(price)),"
	         " SUM(weight(id)) FROM items GROUP BY cat ORDER BY cat",
	         "sqlite: group: ");
	exec_sql(db,
	         "SELECT cat, COUNT(*) FROM items WHERE qty > 50 GROUP BY cat"
	         " HAVING COUNT(*) > 98 ORDER BY 2 DESC, 1",
	         "sqlite: having: ");
	exec_sql(db,
	         "SELECT id, name, qty FROM items WHERE price > 240 ORDER BY qty DESC, id LIMIT 3",
	         "sqlite: top: ");
	exec_sql(db, "SELECT group_concat(id, ',') FROM (SELECT id FROM items WHERE weight(id) = 1 ORDER BY id)",
	         "sqlite: weight1: ");
	exec_sql(db,
	         "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 20)"
	         " SELECT SUM(n*n), upper('done') FROM c",
	         "sqlite: cte: ");

	sqlite3_stmt *q = NULL;
	rc = sqlite3_prepare_v2(db, "SELECT SUM(qty * price) FROM items WHERE cat = ?", -1, &q, NULL);
	CHECK(rc == SQLITE_OK, "sqlite3_prepare_v2 select");
	if (q) {
		sqlite3_bind_text(q, 1, "cherry", -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW)
			printf("sqlite: cherry revenue: %.2f\n", sqlite3_column_double(q, 0));
		else
			CHECK(0, "sqlite3_step select");
		sqlite3_finalize(q);
	}
	CHECK(sqlite3_close(db) == SQLITE_OK, "sqlite3_close");
}

/* ------------------------------------------------------------------------ */
/* zlib                                                                     */

static void test_zlib(void)
{
	uLong in_crc = crc32(0L, Z_NULL, 0);
	in_crc = crc32(in_crc, input, INPUT_SIZE);
	uLong in_adler = adler32(1L, input, INPUT_SIZE);
	printf("zlib: input size %d crc32 %08lx adler32 %08lx\n", INPUT_SIZE, in_crc, in_adler);

	uLongf clen = compressBound(INPUT_SIZE);
	unsigned char *cbuf = malloc(clen);
	unsigned char *dbuf = malloc(INPUT_SIZE);
	int rc = compress2(cbuf, &clen, input, INPUT_SIZE, 9);
	CHECK(rc == Z_OK, "compress2");
	printf("zlib: compress2 level 9: %s, %s\n", rc == Z_OK ? "ok" : "error",
	       clen < INPUT_SIZE ? "smaller than input" : "NOT smaller than input");

	uLongf dlen = INPUT_SIZE;
	rc = uncompress(dbuf, &dlen, cbuf, clen);
	CHECK(rc == Z_OK, "uncompress");
	int same = rc == Z_OK && dlen == INPUT_SIZE && memcmp(dbuf, input, INPUT_SIZE) == 0;
	CHECK(same, "zlib round trip");
	printf("zlib: uncompress: %lu bytes, crc32 %08lx, round trip %s\n", (unsigned long)dlen,
	       crc32(0L, dbuf, (uInt)dlen), same ? "ok" : "MISMATCH");

	/* Streaming gzip (deflateInit2 with windowBits 16+15) and back. */
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	rc = deflateInit2(&zs, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY);
	CHECK(rc == Z_OK, "deflateInit2");
	uLong gcap = deflateBound(&zs, INPUT_SIZE) + 64;
	unsigned char *gbuf = malloc(gcap);
	zs.next_in = input;
	zs.avail_in = INPUT_SIZE;
	zs.next_out = gbuf;
	zs.avail_out = (uInt)gcap;
	rc = deflate(&zs, Z_FINISH);
	CHECK(rc == Z_STREAM_END, "deflate Z_FINISH");
	uLong glen = zs.total_out;
	deflateEnd(&zs);
	/* The gzip trailer holds CRC-32 and ISIZE of the input, little-endian. */
	uint32_t tcrc = (uint32_t)gbuf[glen - 8] | (uint32_t)gbuf[glen - 7] << 8 |
	                (uint32_t)gbuf[glen - 6] << 16 | (uint32_t)gbuf[glen - 5] << 24;
	uint32_t tsize = (uint32_t)gbuf[glen - 4] | (uint32_t)gbuf[glen - 3] << 8 |
	                 (uint32_t)gbuf[glen - 2] << 16 | (uint32_t)gbuf[glen - 1] << 24;
	printf("zlib: gzip header %02x%02x trailer crc32 %08x isize %u\n", gbuf[0], gbuf[1], tcrc, tsize);

	memset(&zs, 0, sizeof zs);
	rc = inflateInit2(&zs, 16 + 15);
	CHECK(rc == Z_OK, "inflateInit2");
	memset(dbuf, 0, INPUT_SIZE);
	zs.next_in = gbuf;
	zs.avail_in = (uInt)glen;
	zs.next_out = dbuf;
	zs.avail_out = INPUT_SIZE;
	rc = inflate(&zs, Z_FINISH);
	CHECK(rc == Z_STREAM_END, "inflate Z_FINISH");
	same = rc == Z_STREAM_END && zs.total_out == INPUT_SIZE && memcmp(dbuf, input, INPUT_SIZE) == 0;
	CHECK(same, "gzip round trip");
	inflateEnd(&zs);
	printf("zlib: gzip round trip %s\n", same ? "ok" : "MISMATCH");

	free(gbuf);
	free(dbuf);
	free(cbuf);
}

/* ------------------------------------------------------------------------ */
/* zstd                                                                     */

static void test_zstd(void)
{
	size_t cap = ZSTD_compressBound(INPUT_SIZE);
	unsigned char *cbuf = malloc(cap);
	unsigned char *dbuf = malloc(INPUT_SIZE);
	static const int levels[] = {1, 3, 19};
	for (size_t li = 0; li < sizeof levels / sizeof levels[0]; li++) {
		int level = levels[li];
		size_t clen = ZSTD_compress(cbuf, cap, input, INPUT_SIZE, level);
		int cok = !ZSTD_isError(clen);
		CHECK(cok, "ZSTD_compress");
		if (!cok) {
			printf("zstd: level %d: compress error %s\n", level, ZSTD_getErrorName(clen));
			continue;
		}
		unsigned long long fsize = ZSTD_getFrameContentSize(cbuf, clen);
		memset(dbuf, 0, INPUT_SIZE);
		size_t dlen = ZSTD_decompress(dbuf, INPUT_SIZE, cbuf, clen);
		int dok = !ZSTD_isError(dlen);
		CHECK(dok, "ZSTD_decompress");
		int same = dok && dlen == INPUT_SIZE && memcmp(dbuf, input, INPUT_SIZE) == 0;
		CHECK(same, "zstd round trip");
		printf("zstd: level %d: %s, frame content size %llu, decompressed %zu bytes,"
		       " crc32 %08lx, round trip %s\n",
		       level, clen < INPUT_SIZE ? "smaller than input" : "NOT smaller than input", fsize,
		       dok ? dlen : 0, crc32(0L, dbuf, INPUT_SIZE), same ? "ok" : "MISMATCH");
	}

	/* Streaming API with an explicit context and a checksum flag. */
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 5);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
	ZSTD_inBuffer in = {input, INPUT_SIZE, 0};
	ZSTD_outBuffer out = {cbuf, cap, 0};
	size_t rem;
	do {
		rem = ZSTD_compressStream2(cctx, &out, &in, ZSTD_e_end);
	} while (!ZSTD_isError(rem) && rem != 0);
	CHECK(!ZSTD_isError(rem), "ZSTD_compressStream2");
	ZSTD_freeCCtx(cctx);

	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	ZSTD_inBuffer din = {cbuf, out.pos, 0};
	ZSTD_outBuffer dout = {dbuf, INPUT_SIZE, 0};
	memset(dbuf, 0, INPUT_SIZE);
	rem = ZSTD_decompressStream(dctx, &dout, &din);
	CHECK(rem == 0, "ZSTD_decompressStream");
	ZSTD_freeDCtx(dctx);
	int same = rem == 0 && dout.pos == INPUT_SIZE && memcmp(dbuf, input, INPUT_SIZE) == 0;
	CHECK(same, "zstd stream round trip");
	printf("zstd: stream: decompressed %zu bytes, crc32 %08lx, round trip %s\n", dout.pos,
	       crc32(0L, dbuf, INPUT_SIZE), same ? "ok" : "MISMATCH");

	free(dbuf);
	free(cbuf);
}

/* ------------------------------------------------------------------------ */
/* Lua 5.4                                                                  */

/* A C function called from Lua: csum(a, b, ...) returns the sum and count. */
static int l_csum(lua_State *L)
{
	int n = lua_gettop(L);
	lua_Integer s = 0;
	for (int i = 1; i <= n; i++)
		s += luaL_checkinteger(L, i);
	lua_pushinteger(L, s);
	lua_pushinteger(L, n);
	return 2;
}

static const char lua_script[] =
	"local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end\n"
	"print('lua: fib(25) = ' .. fib(25))\n"
	"print(string.format('lua: format: %5.2f|%-4s|%05d|%x|%q', math.pi, 'ab', 42, 255, 'q\"s'))\n"
	"local t = {}\n"
	"for i = 1, 200 do t[i] = (i * 7919) % 1009 end\n"
	"table.sort(t, function(a, b) return a > b end)\n"
	"print('lua: sorted desc head: ' .. table.concat(t, ',', 1, 8))\n"
	"local words = {}\n"
	"for w in ('the quick brown fox jumps over the lazy dog'):gmatch('%a+') do\n"
	"  words[#words + 1] = w:upper():reverse()\n"
	"end\n"
	"table.sort(words)\n"
	"print('lua: words: ' .. table.concat(words, ' '))\n"
	"local s, n = string.gsub('hello world from lua', 'o', '0')\n"
	"print('lua: gsub: ' .. s .. ' (' .. n .. ')')\n"
	"local co = coroutine.wrap(function(a)\n"
	"  local acc = a\n"
	"  while true do acc = acc + coroutine.yield(acc) end\n"
	"end)\n"
	"local r = {co(1), co(2), co(3), co(4)}\n"
	"print('lua: coroutine: ' .. table.concat(r, ','))\n"
	"local ok, err = pcall(function() error({code = 7}) end)\n"
	"print('lua: pcall: ' .. tostring(ok) .. ' code ' .. err.code)\n"
	"local sum, cnt = csum(10, 20, 30, 40)\n"
	"print('lua: csum: ' .. sum .. ' of ' .. cnt)\n"
	"print(string.format('lua: math: %.6f %.6f %d %s', math.sqrt(2), math.sin(1), 7 // 2, math.type(2^53)))\n"
	"print('lua: int overflow wraps: ' .. tostring(math.maxinteger + 1 == math.mininteger))\n"
	"return fib(20) * 2\n";

static void test_lua(void)
{
	lua_State *L = luaL_newstate();
	CHECK(L != NULL, "luaL_newstate");
	if (!L)
		return;
	luaL_openlibs(L);
	lua_register(L, "csum", l_csum);
	int rc = luaL_loadstring(L, lua_script);
	if (rc == LUA_OK)
		rc = lua_pcall(L, 0, 1, 0);
	if (rc != LUA_OK) {
		printf("FAIL lua: %s\n", lua_tostring(L, -1));
		failures++;
	} else {
		printf("lua: script returned %lld\n", (long long)lua_tointeger(L, -1));
	}
	lua_pop(L, 1);

	/* Errors raised by the runtime come back with a message. */
	rc = luaL_dostring(L, "local x = nil; return x.field");
	CHECK(rc != LUA_OK, "lua runtime error expected");
	printf("lua: error caught: %s\n", rc != LUA_OK ? "yes" : "no");
	lua_close(L);
}

/* ------------------------------------------------------------------------ */
/* OpenSSL libcrypto                                                        */

static void test_crypto(void)
{
	/* Do not read the system openssl.cnf: keep the test hermetic. */
	CHECK(OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) == 1, "OPENSSL_init_crypto");

	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int ok = EVP_Digest("abc", 3, md, &mdlen, EVP_sha256(), NULL);
	CHECK(ok == 1, "EVP_Digest sha256");
	print_hex("crypto: sha256(abc) = ", md, mdlen);

	/* Explicit fetch through the provider machinery, streaming updates. */
	EVP_MD *sha512 = EVP_MD_fetch(NULL, "SHA2-512", NULL);
	CHECK(sha512 != NULL, "EVP_MD_fetch SHA2-512");
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	ok = sha512 && EVP_DigestInit_ex(mctx, sha512, NULL) == 1;
	for (int i = 0; ok && i < INPUT_SIZE; i += 4096)
		ok = EVP_DigestUpdate(mctx, input + i, INPUT_SIZE - i < 4096 ? INPUT_SIZE - i : 4096) == 1;
	ok = ok && EVP_DigestFinal_ex(mctx, md, &mdlen) == 1;
	CHECK(ok, "sha512 of input");
	print_hex("crypto: sha512(input)[0:16] = ", md, 16);
	EVP_MD_CTX_free(mctx);
	EVP_MD_free(sha512);

	static const char key[] = "key";
	static const char msg[] = "The quick brown fox jumps over the lazy dog";
	unsigned char *h = HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)msg,
	                        strlen(msg), md, &mdlen);
	CHECK(h != NULL, "HMAC");
	print_hex("crypto: hmac-sha256 = ", md, mdlen);

	/* AES-128-CBC with a fixed key and IV, PKCS#7 padding, and back. */
	static const unsigned char akey[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	                                       0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
	static const unsigned char aiv[16] = {0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87,
	                                      0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f};
	static const char plain[] = "rivet links real libraries: sqlite, zlib, zstd, lua, openssl.";
	int plen = (int)strlen(plain);
	unsigned char ct[128], pt[128];
	int n1 = 0, n2 = 0;
	EVP_CIPHER_CTX *cctx = EVP_CIPHER_CTX_new();
	ok = EVP_EncryptInit_ex(cctx, EVP_aes_128_cbc(), NULL, akey, aiv) == 1 &&
	     EVP_EncryptUpdate(cctx, ct, &n1, (const unsigned char *)plain, plen) == 1 &&
	     EVP_EncryptFinal_ex(cctx, ct + n1, &n2) == 1;
	CHECK(ok, "AES-128-CBC encrypt");
	int ctlen = n1 + n2;
	printf("crypto: aes-128-cbc ciphertext (%d bytes):\n", ctlen);
	print_hex("crypto:   ", ct, (size_t)ctlen);

	EVP_CIPHER_CTX_reset(cctx);
	n1 = n2 = 0;
	ok = EVP_DecryptInit_ex(cctx, EVP_aes_128_cbc(), NULL, akey, aiv) == 1 &&
	     EVP_DecryptUpdate(cctx, pt, &n1, ct, ctlen) == 1 &&
	     EVP_DecryptFinal_ex(cctx, pt + n1, &n2) == 1;
	CHECK(ok, "AES-128-CBC decrypt");
	int same = ok && n1 + n2 == plen && memcmp(pt, plain, (size_t)plen) == 0;
	CHECK(same, "AES round trip");
	printf("crypto: aes-128-cbc round trip %s\n", same ? "ok" : "MISMATCH");
	EVP_CIPHER_CTX_free(cctx);
}

int main(void)
{
	make_input();
	test_sqlite();
	test_zlib();
	test_zstd();
	test_lua();
	test_crypto();
	printf("done: %d failure(s)\n", failures);
	fflush(stdout);
	return failures > 100 ? 100 : failures;
}
