'use strict';
// Verifies the DKIM signatures of one message with mailauth, taking the public keys from a DNS server
// (the test's own, on 127.0.0.1:PORT) over real DNS queries. Usage: node dkim-verify.js MESSAGE_FILE DNS_PORT
// Prints one line per signature: "domain selector algorithm result [comment]".
const fs = require('fs');
const { Resolver } = require('dns').promises;
const { dkimVerify } = require('mailauth/lib/dkim/verify');

async function main() {
    const [file, port] = process.argv.slice(2);
    const dns = new Resolver({ timeout: 5000, tries: 1 });
    dns.setServers([`127.0.0.1:${port}`]);
    const message = fs.readFileSync(file);
    const result = await dkimVerify(message, { resolver: (name, type) => dns.resolve(name, type) });
    for (const r of result.results) {
        const comment = r.status.comment ? ` ${r.status.comment}` : '';
        console.log(`${r.signingDomain} ${r.selector} ${r.algo} ${r.status.result}${comment}`);
    }
}

main().catch(err => {
    console.error(err.stack || String(err));
    process.exit(1);
});
