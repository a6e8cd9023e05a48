"""The Docker SDK for Python against a netlings lab (DOCKER_HOST is set by
the test). Prints one line per fact checked; any failure raises."""
import docker

client = docker.from_env()
assert client.ping()
print("api", client.version()["ApiVersion"])

net = client.networks.create("sdk-net", driver="bridge")
other = client.networks.create("sdk-other")
web = client.containers.run(
    "training/webapp", ["python", "app.py"], detach=True, name="sdk-web",
    network="sdk-net", ports={"5000/tcp": 8080},
)
web.reload()
print("status", web.status)
print("ports", web.ports["5000/tcp"][0]["HostPort"])
print("ip", web.attrs["NetworkSettings"]["Networks"]["sdk-net"]["IPAddress"])

other.connect(web, aliases=["frontend"])
web.reload()
print("networks", sorted(web.attrs["NetworkSettings"]["Networks"]))
other.disconnect(web)
web.reload()
print("networks", sorted(web.attrs["NetworkSettings"]["Networks"]))

code, out = web.exec_run(["sh", "-c", "cat /etc/hostname; exit 3"])
print("exec", code, out.decode().strip() == web.id[:12])
code, out = web.exec_run("wget -qO- http://sdk-web:5000/")
print("exec-wget", code, out.decode().strip())

client_c = client.containers.run(
    "training/webapp", ["sh", "-c", "echo from-sdk; echo err >&2; exit 4"],
    detach=True, network="sdk-net",
)
print("wait", client_c.wait()["StatusCode"])
print("logs", client_c.logs().decode().split())
print("logs-stdout", client_c.logs(stderr=False).decode().split())
client_c.remove()

out = client.containers.run("training/webapp", ["echo", "attached"], remove=True)
print("run", out.decode().strip())

print("list", [c.name for c in client.containers.list()])
web.remove(force=True)
net.remove()
other.remove()
print("left", client.containers.list(all=True), [n.name for n in client.networks.list(names=["sdk-net"])])
