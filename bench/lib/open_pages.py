"""Opens N /_bench pages on a Resident server, 16 to a connection, each given the ~1 KB data of
the `pages` scenario (PagesCase.data); prints how many opened.  python3 open_pages.py PORT N"""
import concurrent.futures
import http.client
import json
import sys

PER_CONNECTION = 16


def data(page):
    return {f"f{field}": (f"page {page} field {field} " * 10)[:90] for field in range(10)}


def open_connection(port, first, last):
    connection = http.client.HTTPConnection("127.0.0.1", port)
    cookie, opened = None, 0
    for page in range(first, last):
        headers = {"Content-Type": "application/json"}
        if cookie:
            headers["Cookie"] = cookie
        body = json.dumps({"path": "/_bench", "params": {"tables": [], "data": data(page)}})
        connection.request("POST", "/_/pages", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("rsd_cid="):
                cookie = value.split(";")[0]
        opened += response.status == 201
    return opened


def main():
    port, pages = int(sys.argv[1]), int(sys.argv[2])
    starts = range(0, pages, PER_CONNECTION)
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        print(sum(pool.map(lambda first: open_connection(port, first, min(first + PER_CONNECTION, pages)), starts)))


if __name__ == "__main__":
    main()
