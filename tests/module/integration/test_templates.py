"""The sample configuration in conf-templates/ passes nginx -t with the
built module, and a broken route table fails it naming file and line."""

import os
import shutil
import subprocess

from lib.nginx import HTTP_MODULE, MODULE, NGINX, nginx_env

HERE = os.path.dirname(__file__)
TEMPLATES = os.path.join(HERE, "..", "..", "..", "conf-templates")


def _prepare(workdir, routes_text=None):
    routes = os.path.join(workdir, "routes.conf")
    if routes_text is None:
        shutil.copy(os.path.join(TEMPLATES, "routes.conf.example"), routes)
    else:
        with open(routes, "w") as f:
            f.write(routes_text)
    os.makedirs(os.path.join(workdir, "logs"), exist_ok=True)
    with open(os.path.join(TEMPLATES, "nginx-cclink.conf")) as f:
        text = f.read()
    text = (text.replace("/usr/lib/nginx/modules/ngx_stream_cclink_module.so",
                         MODULE)
            .replace("/usr/lib/nginx/modules/ngx_http_cclink_module.so",
                     HTTP_MODULE)
            .replace("/var/lib/cclink/routes.conf", routes)
            .replace("/var/log/nginx/", workdir + "/logs/")
            .replace("/var/log/cclink/", workdir + "/logs/")
            .replace("/run/nginx.pid", workdir + "/nginx.pid"))
    conf = os.path.join(workdir, "nginx.conf")
    with open(conf, "w") as f:
        f.write(text)
    return conf, routes


def _nginx_t(workdir, conf):
    p = subprocess.run([NGINX, "-t", "-p", workdir + "/", "-c", conf],
                       capture_output=True, text=True,
                       env=nginx_env(os.path.join(workdir, "logs")))
    return p.returncode, p.stderr


def test_sample_configuration_passes_nginx_t(workdir):
    conf, _ = _prepare(workdir)
    rc, out = _nginx_t(workdir, conf)
    assert rc == 0, out
    assert "test is successful" in out


def test_sample_configuration_with_broken_table(workdir):
    conf, routes = _prepare(workdir, "cclink-routes 1\nserial 1\n"
                            "group g 10.0.0.1 zone=a\n"
                            "route a.example.com gg\nend\n")
    rc, out = _nginx_t(workdir, conf)
    assert rc != 0
    assert "[emerg]" in out
    assert ('%s:4: route "a.example.com" names unknown group "gg"'
            % routes) in out
