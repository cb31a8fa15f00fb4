// cclink: proxy auto-config for the routed names (route table serial 20261120231500)

var cclinkProxy = "PROXY 10.20.0.10:3128";

var cclinkExact = {
    "e-0cb9-usw2-az1-l63jl.us-west-2.aws.glb.confluent.cloud": 1,
    "e-24ab-usw2-az3-l63jl.us-west-2.aws.glb.confluent.cloud": 1,
    "flink-l63jl.us-west-2.aws.glb.confluent.cloud": 1,
    "flinkpls-l63jl.us-west-2.aws.glb.confluent.cloud": 1,
    "lkc-3gyjw-l63jl.us-west-2.aws.glb.confluent.cloud": 1,
    "lkc-8hx3wq-ap1abc.us-west-2.aws.accesspoint.glb.confluent.cloud": 1,
    "lkc-9wd3ny-g000.us-west-2.aws.private.confluent.cloud": 1,
    "lkc-9wd3ny.us-west-2.aws.private.confluent.cloud": 1,
    "lkc-corp.corp-dc.confluent.cloud": 1,
    "lsrc-5jm2xq.us-west-2.aws.private.confluent.cloud": 1
};

var cclinkRegex = [];
try {
    cclinkRegex.push(new RegExp("\x5e\x5ba-z0-9-\x5d\x2b-usw2-az1-l63jl\x5c.us-west-2\x5c.aws\x5c.glb\x5c.confluent\x5c.cloud\x24", "i"));
} catch (e) {
}
try {
    cclinkRegex.push(new RegExp("\x5e\x5ba-z0-9-\x5d\x2b-usw2-az2-l63jl\x5c.us-west-2\x5c.aws\x5c.glb\x5c.confluent\x5c.cloud\x24", "i"));
} catch (e) {
}
try {
    cclinkRegex.push(new RegExp("\x5e\x5ba-z0-9-\x5d\x2b-usw2-az3-l63jl\x5c.us-west-2\x5c.aws\x5c.glb\x5c.confluent\x5c.cloud\x24", "i"));
} catch (e) {
}
try {
    cclinkRegex.push(new RegExp("\x5e\x5ba-z0-9-\x5d\x2b-ap1abc\x5c.us-west-2\x5c.aws\x5c.accesspoint\x5c.glb\x5c.confluent\x5c.cloud\x24", "i"));
} catch (e) {
}
try {
    cclinkRegex.push(new RegExp("\x5e\x5ba-z0-9-\x5d\x2b-l63jl\x5c.us-west-2\x5c.aws\x5c.glb\x5c.confluent\x5c.cloud\x24", "i"));
} catch (e) {
}

function FindProxyForURL(url, host) {
    var h = host.toLowerCase();
    var i;

    if (h.length > 1 && h.charAt(h.length - 1) == ".") {
        h = h.substring(0, h.length - 1);
    }

    if (Object.prototype.hasOwnProperty.call(cclinkExact, h)) {
        return cclinkProxy;
    }
    if (dnsDomainIs(h, "." + "ap1abc.us-west-2.aws.accesspoint.confluent.cloud")) {
        return cclinkProxy;
    }
    if (dnsDomainIs(h, "." + "l63jl.us-west-2.aws.confluent.cloud")) {
        return cclinkProxy;
    }
    if (dnsDomainIs(h, "." + "us-west-2.aws.private.confluent.cloud")) {
        return cclinkProxy;
    }
    if (dnsDomainIs(h, "." + "usw2-az1.l63jl.us-west-2.aws.confluent.cloud")) {
        return cclinkProxy;
    }
    if (dnsDomainIs(h, "." + "usw2-az2.l63jl.us-west-2.aws.confluent.cloud")) {
        return cclinkProxy;
    }
    if (dnsDomainIs(h, "." + "usw2-az3.l63jl.us-west-2.aws.confluent.cloud")) {
        return cclinkProxy;
    }

    for (i = 0; i < cclinkRegex.length; i++) {
        if (cclinkRegex[i].test(h)) {
            return cclinkProxy;
        }
    }

    return "DIRECT";
}
